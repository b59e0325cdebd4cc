import { expect, test } from "bun:test";
import { add, formatSummary, parseBunTest, parseNodeTap, ZERO } from "./summary.ts";

test("bun test counts, with skip and todo as skipped", () => {
  expect(parseBunTest("\n 12 pass\n 1 fail\n 2 skip\n 1 todo\n 40 expect() calls\n")).toEqual({
    passed: 12,
    failed: 1,
    skipped: 3,
  });
  expect(parseBunTest(" 7 pass\n 0 fail\n")).toEqual({ passed: 7, failed: 0, skipped: 0 });
});

test("node TAP counts", () => {
  expect(parseNodeTap("# tests 10\n# pass 9\n# fail 1\n# skipped 0\n# todo 0\n")).toEqual({
    passed: 9,
    failed: 1,
    skipped: 0,
  });
});

test("no summary is undefined, so a crashed suite is not read as zero tests", () => {
  expect(parseBunTest("error: something broke")).toBeUndefined();
  expect(parseNodeTap("")).toBeUndefined();
});

test("the closing line adds skipped only when there are any", () => {
  expect(formatSummary(add({ passed: 3, failed: 0, skipped: 0 }, ZERO))).toBe("3 passed, 0 failed");
  expect(formatSummary({ passed: 3, failed: 1, skipped: 2 })).toBe("3 passed, 1 failed, 2 skipped");
});
