// Reading an app's /metrics in tests, the way Prometheus would see it.

/** The Prometheus text of an app's /metrics. */
export async function metricsText(app: { httpPort: number }): Promise<string> {
  return (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
}

/** The value of the first sample of `name` whose labels include all of `labels`. */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf("}");
    const labelText = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      return Number(line.slice(close + 1).trim());
  }
  return undefined;
}

/** The sum of every sample of `name` whose labels include all of `labels` (0 when none). */
export function sumOf(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf("}");
    const labelText = close > 0 ? line.slice(name.length + 1, close) : "";
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      total += Number(
        line
          .slice(close > 0 ? close + 1 : name.length)
          .trim()
          .split(" ")[0],
      );
  }
  return total;
}
