// Reads pass/fail/skip counts from test runner output, so the test command can end with one
// line "N passed, N failed" from the real counts of every suite it ran.
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export const ZERO: Counts = { passed: 0, failed: 0, skipped: 0 };

/** Counts from lines like " 12 pass" (bun test) or "# pass 12" (node --test TAP). */
function countsFrom(
  output: string,
  line: (word: string) => RegExp,
  words: Record<keyof Counts, string[]>,
): Counts | undefined {
  const count = (word: string) => {
    const match = line(word).exec(output);
    return match ? Number(match[1]) : undefined;
  };
  const sum = (list: string[]) => {
    const found = list.map(count).filter((n): n is number => n !== undefined);
    return found.length > 0 ? found.reduce((a, b) => a + b, 0) : undefined;
  };
  const passed = sum(words.passed);
  const failed = sum(words.failed);
  if (passed === undefined && failed === undefined) return undefined;
  return { passed: passed ?? 0, failed: failed ?? 0, skipped: sum(words.skipped) ?? 0 };
}

/** `bun test` summary lines: " 12 pass", " 0 fail", " 1 skip", " 2 todo". */
export const parseBunTest = (output: string) =>
  countsFrom(output, (w) => new RegExp(`^\\s*(\\d+) ${w}$`, "m"), {
    passed: ["pass"],
    failed: ["fail"],
    skipped: ["skip", "todo"],
  });

/** node --test TAP summary: "# pass 5", "# fail 0", "# skipped 0", "# todo 0". */
export const parseNodeTap = (output: string) =>
  countsFrom(output, (w) => new RegExp(`^# ${w} (\\d+)$`, "m"), {
    passed: ["pass"],
    failed: ["fail"],
    skipped: ["skipped", "todo"],
  });

export function add(a: Counts, b: Counts): Counts {
  return {
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    skipped: a.skipped + b.skipped,
  };
}

export function formatSummary({ passed, failed, skipped }: Counts): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}
