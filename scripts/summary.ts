// Reads pass/fail/skip counts from test runner output, so the test command can end with one
// line "N passed, N failed" from the real counts of every suite it ran.
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export const ZERO: Counts = { passed: 0, failed: 0, skipped: 0 };

/** `bun test` summary lines: " 12 pass", " 0 fail", " 1 skip", " 2 todo". */
export function parseBunTest(output: string): Counts | undefined {
  const count = (word: string) => {
    const match = new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(output);
    return match ? Number(match[1]) : undefined;
  };
  const passed = count("pass");
  const failed = count("fail");
  if (passed === undefined && failed === undefined) return undefined;
  return {
    passed: passed ?? 0,
    failed: failed ?? 0,
    skipped: (count("skip") ?? 0) + (count("todo") ?? 0),
  };
}

/** node --test TAP summary: "# pass 5", "# fail 0", "# skipped 0", "# todo 0". */
export function parseNodeTap(output: string): Counts | undefined {
  const count = (word: string) => {
    const match = new RegExp(`^# ${word} (\\d+)$`, "m").exec(output);
    return match ? Number(match[1]) : undefined;
  };
  const passed = count("pass");
  const failed = count("fail");
  if (passed === undefined && failed === undefined) return undefined;
  return {
    passed: passed ?? 0,
    failed: failed ?? 0,
    skipped: (count("skipped") ?? 0) + (count("todo") ?? 0),
  };
}

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
