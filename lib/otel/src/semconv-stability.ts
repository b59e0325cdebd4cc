// OTEL_SEMCONV_STABILITY_OPT_IN, read the way the conventions define it: a comma-separated
// list where `rpc` / `messaging` mean the current names only and `rpc/dup` / `messaging/dup`
// the current names plus the ones this package emitted before (dup wins over the plain value).
//
// The default is the current conventions, as if `rpc,messaging` were set: this project's
// design asks for today's names, and the older ones only on request. That is where it departs
// from the conventions' advice for *existing* instrumentations (old names by default); say so
// in lib/otel/README.md, and set `rpc/dup,messaging/dup` while dashboards are being moved.

/** `current`: today's names only; `dup`: today's and the pre-1.38 (RPC) / older (messaging) ones. */
export type SemconvMode = "current" | "dup";

export interface SemconvStability {
  rpc: SemconvMode;
  messaging: SemconvMode;
}

export function parseSemconvStability(value: string | undefined): SemconvStability {
  const values = new Set(
    (value ?? "")
      .split(",")
      .map((v) => v.trim().toLowerCase())
      .filter(Boolean),
  );
  return {
    rpc: values.has("rpc/dup") ? "dup" : "current",
    messaging: values.has("messaging/dup") ? "dup" : "current",
  };
}

let last: { value: string | undefined; parsed: SemconvStability } | undefined;

/** The process's setting, as it is now (cheap to ask per span: the last answer is kept). */
export function semconvStability(): SemconvStability {
  const value = process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  if (last && last.value === value) return last.parsed;
  const parsed = parseSemconvStability(value);
  last = { value, parsed };
  return parsed;
}
