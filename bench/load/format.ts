// Text for people: the live progress line and the end-of-run summary table.
import { formatDuration } from "./duration.ts";
import type { LoadProgress, LoadSummary } from "./run.ts";

/** Latency for a narrow column: 0.84, 12.3, 245 (ms), "-" when nothing succeeded. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

export function progressLine(progress: LoadProgress): string {
  const parts = [`${formatDuration(progress.elapsedMs)}/${formatDuration(progress.durationMs)}`];
  for (const [name, flow] of Object.entries(progress.flows)) {
    let part = `${name} ${Math.round(flow.rate)}/s ok ${flow.ok} err ${flow.errors}`;
    if (flow.skipped > 0) part += ` skip ${flow.skipped}`;
    part += ` p50 ${ms(flow.p50)} p99 ${ms(flow.p99)} ms`;
    parts.push(part);
  }
  return parts.join(" | ");
}

export function summaryText(summary: LoadSummary): string {
  const { options } = summary;
  const lines = [
    `${summary.interrupted ? "interrupted after" : "ran"} ${summary.elapsedS.toFixed(1)}s: ` +
      `${options.rate}/s total over ${options.flows.join(", ")} ` +
      `(${Math.round((options.rate / options.flows.length) * 100) / 100}/s each)`,
  ];
  const header = ["flow", "sent", "ok", "errors", "skipped", "rate/s", "p50", "p95", "p99", "max"];
  const rows = Object.entries(summary.flows).map(([name, f]) => [
    name,
    String(f.sent),
    String(f.ok),
    String(f.errors),
    String(f.skipped),
    f.achievedRate.toFixed(1),
    ms(f.latencyMs.p50),
    ms(f.latencyMs.p95),
    ms(f.latencyMs.p99),
    ms(f.latencyMs.max),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  lines.push(render(header), ...rows.map(render), "latency in ms over the whole run (ok requests)");
  for (const [name, f] of Object.entries(summary.flows)) {
    for (const [kind, count] of Object.entries(f.errorsByKind))
      lines.push(`${name} errors: ${count} × ${kind}`);
    if (f.unfinished > 0)
      lines.push(`${name}: ${f.unfinished} still unanswered when the drain ended`);
  }
  return lines.join("\n");
}
