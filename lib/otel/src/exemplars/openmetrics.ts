// The Prometheus text the exporter writes, as OpenMetrics 1.0 with exemplars on histogram
// buckets: what Prometheus ingests exemplars from (it asks for this format first).
import { type ExemplarReservoir, seriesKey } from "./reservoir.ts";

export const OPENMETRICS_CONTENT_TYPE =
  "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** Whether a scraper's Accept header asks for OpenMetrics (Prometheus lists it first). */
export function acceptsOpenMetrics(accept: string | null | undefined): boolean {
  return /application\/openmetrics-text/i.test(accept ?? "");
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function labelsOf(text: string): [string, string][] {
  return [...text.matchAll(LABEL)].map((m) => [m[1] ?? "", unescapeLabel(m[2] ?? "")]);
}

/** ` # {trace_id="…",span_id="…"} value timestamp` for a bucket line, or "". */
function exemplarSuffix(line: string, exemplars: ExemplarReservoir): string {
  const open = line.indexOf("{");
  const close = line.lastIndexOf("}");
  if (open < 0 || close < open) return "";
  const name = line.slice(0, open);
  if (!name.endsWith("_bucket")) return "";
  const labels = labelsOf(line.slice(open + 1, close));
  const le = labels.find(([label]) => label === "le")?.[1];
  if (le === undefined) return "";
  const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
  const exemplar = exemplars.find(name.slice(0, -"_bucket".length), seriesKey(labels), bound);
  if (!exemplar) return "";
  return ` # {trace_id="${exemplar.traceId}",span_id="${exemplar.spanId}"} ${exemplar.value} ${(exemplar.timeMs / 1000).toFixed(3)}`;
}

/**
 * Rewrites what OpenMetrics spells differently: a counter family is named without `_total`
 * (its samples keep it), `untyped` is `unknown`, HELP escapes double quotes, UNIT lines go
 * (OpenMetrics requires the unit as the name's suffix, which `kafka_message_delivery_latency`
 * in ms is not, and Prometheus rejects the scrape over it), and the text ends with `# EOF`.
 */
export function toOpenMetrics(text: string, exemplars: ExemplarReservoir): string {
  const lines = text.split("\n").filter((line) => line !== "" && !line.startsWith("# UNIT "));
  const counters = new Set(
    lines
      .map((line) => /^# TYPE (\S+) counter$/.exec(line)?.[1])
      .filter((name): name is string => name?.endsWith("_total") === true),
  );
  const family = (name: string) => (counters.has(name) ? name.slice(0, -"_total".length) : name);
  const out = lines.map((line) => {
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, kind, name = "", rest = ""] = meta;
      if (kind === "TYPE") return `# TYPE ${family(name)} ${rest === "untyped" ? "unknown" : rest}`;
      return `# HELP ${family(name)} ${rest.replace(/(?<!\\)"/g, '\\"')}`;
    }
    if (line.startsWith("#")) return line;
    return line + exemplarSuffix(line, exemplars);
  });
  return `${out.join("\n")}\n# EOF\n`;
}
