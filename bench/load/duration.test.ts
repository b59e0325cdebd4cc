import { expect, test } from "bun:test";
import { formatDuration, parseDuration } from "./duration.ts";

test("durations take a unit, or are plain seconds", () => {
  expect(parseDuration("60s")).toBe(60_000);
  expect(parseDuration("2m")).toBe(120_000);
  expect(parseDuration("500ms")).toBe(500);
  expect(parseDuration("1h")).toBe(3_600_000);
  expect(parseDuration("45")).toBe(45_000);
  expect(parseDuration("1.5")).toBe(1500);
  expect(parseDuration("0.5s")).toBe(500);
  expect(parseDuration("1m30s")).toBe(90_000);
  expect(parseDuration(" 10s ")).toBe(10_000);
});

test("malformed, zero and negative durations are refused with the input in the message", () => {
  for (const bad of ["", "s", "10x", "-5s", "1 m", "ms500", "1e3"])
    expect(() => parseDuration(bad)).toThrow(`invalid duration ${JSON.stringify(bad)}`);
  expect(() => parseDuration("0")).toThrow("must be positive");
  expect(() => parseDuration("0ms")).toThrow("must be positive");
});

test("durations print compactly", () => {
  expect(formatDuration(500)).toBe("500ms");
  expect(formatDuration(12_400)).toBe("12s");
  expect(formatDuration(60_000)).toBe("1m");
  expect(formatDuration(90_000)).toBe("1m30s");
});
