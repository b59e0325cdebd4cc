// Durations as people type them on a command line: `60s`, `2m`, `500ms`, `1h`, or a plain
// number of seconds. Compound forms (`1m30s`) are accepted too, so `--duration` never needs
// arithmetic.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds, or throws naming the input; zero and negative durations are refused. */
export function parseDuration(text: string): number {
  const input = text.trim();
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(input)) {
    ms = Number(input) * 1000;
  } else if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(input)) {
    ms = 0;
    for (const [, value, unit] of input.matchAll(PART))
      ms += Number(value) * UNIT_MS[unit as keyof typeof UNIT_MS];
  } else {
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: use e.g. 60s, 2m, 500ms or a number of seconds`,
    );
  }
  if (!(ms > 0)) throw new Error(`invalid duration ${JSON.stringify(text)}: must be positive`);
  return Math.round(ms);
}

/** 60000 → "60s", 90000 → "1m30s", 500 → "500ms": how progress lines and summaries show time. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = Math.round(ms / 1000);
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  if (m === 0) return `${s}s`;
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}
