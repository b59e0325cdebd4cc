import { describe, expect, test } from "bun:test";
import { APP_NAMES } from "../lib/service/src/apps.ts";
import { DevArgsError, parseDevArgs } from "./dev-args.ts";

describe("bun run dev arguments", () => {
  test("no arguments: every app once, as before replicas existed", () => {
    expect(parseDevArgs([], {})).toEqual({ apps: [...APP_NAMES], replicas: 1 });
  });

  test("--replicas N and --replicas=N, with or without app names", () => {
    expect(parseDevArgs(["--replicas", "3"], {})).toEqual({ apps: [...APP_NAMES], replicas: 3 });
    expect(parseDevArgs(["ledger", "--replicas=2", "orchestrator"], {})).toEqual({
      apps: ["ledger", "orchestrator"],
      replicas: 2,
    });
  });

  test("APP_REPLICAS sets the count; the flag wins over it", () => {
    expect(parseDevArgs([], { APP_REPLICAS: "2" }).replicas).toBe(2);
    expect(parseDevArgs(["--replicas", "4"], { APP_REPLICAS: "2" }).replicas).toBe(4);
  });

  test("refuses counts outside 1–10, unknown apps and flags", () => {
    for (const argv of [
      ["--replicas", "0"],
      ["--replicas", "11"],
      ["--replicas"],
      ["ledgr"],
      ["-x"],
    ])
      expect(() => parseDevArgs(argv, {})).toThrow(DevArgsError);
    expect(() => parseDevArgs([], { APP_REPLICAS: "two" })).toThrow(/APP_REPLICAS=two/);
  });
});
