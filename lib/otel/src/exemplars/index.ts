export { withExemplars } from "./meter.ts";
export { acceptsOpenMetrics, OPENMETRICS_CONTENT_TYPE, toOpenMetrics } from "./openmetrics.ts";
export { type Exemplar, ExemplarReservoir, sanitizeName } from "./reservoir.ts";
