// A MeterProvider whose histograms also offer each measurement to the exemplar reservoir, in
// the context it was made in (the active one unless the caller passes one).
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  type Meter,
  type MeterProvider,
  type MetricOptions,
} from "@opentelemetry/api";
import { type ExemplarReservoir, SDK_DEFAULT_BOUNDARIES } from "./reservoir.ts";

/**
 * `exportedName` maps an instrument's name to its name in the exposition (views rename some).
 * Bucket boundaries come from the instrument's advice, else the SDK's defaults: a view that
 * changed a histogram's buckets would need them here too (none does).
 */
export function withExemplars(
  provider: MeterProvider,
  reservoir: ExemplarReservoir,
  exportedName: (instrument: string) => string,
): MeterProvider {
  const wrap = (meter: Meter): Meter =>
    new Proxy(meter, {
      get(target, property) {
        if (property === "createHistogram")
          return (name: string, options?: MetricOptions): Histogram => {
            const histogram = target.createHistogram(name, options);
            const boundaries = options?.advice?.explicitBucketBoundaries ?? SDK_DEFAULT_BOUNDARIES;
            const metric = exportedName(name);
            return {
              record(value: number, attributes?: Attributes, at?: Context) {
                histogram.record(value, attributes, at);
                reservoir.offer(metric, boundaries, value, attributes, at ?? context.active());
              },
            };
          };
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return {
    getMeter: (name, version, options) => wrap(provider.getMeter(name, version, options)),
  };
}
