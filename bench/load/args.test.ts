import { expect, test } from "bun:test";
import { parseCli, parseFlows } from "./args.ts";
import { DEFAULT_LOAD_OPTIONS } from "./run.ts";

test("no flags: both flows, the defaults and the `bun run dev` ports", () => {
  const { options, json, help } = parseCli([], {});
  expect(options.flows).toEqual(["add", "transfer"]);
  expect(options.rate).toBe(DEFAULT_LOAD_OPTIONS.rate);
  expect(options.durationMs).toBe(60_000);
  expect(options.targets).toEqual({
    adderAddr: "127.0.0.1:50051",
    orchestratorUrl: "http://127.0.0.1:9095",
    accountsUrl: "http://127.0.0.1:9094",
  });
  expect(json).toBeUndefined();
  expect(help).toBe(false);
});

test("flags set rate, duration, flows, pool, cap, timeouts and the JSON path", () => {
  const { options, json } = parseCli(
    [
      "--rate",
      "500",
      "--duration",
      "2m",
      "--flows",
      "transfer",
      "--accounts",
      "20",
      "--max-in-flight",
      "64",
      "--timeout",
      "750ms",
      "--drain",
      "3",
      "--currency",
      "EUR",
      "--json",
      "out.json",
    ],
    {},
  );
  expect(options).toMatchObject({
    rate: 500,
    durationMs: 120_000,
    flows: ["transfer"],
    accounts: 20,
    maxInFlight: 64,
    timeoutMs: 750,
    drainMs: 3000,
    currency: "EUR",
  });
  expect(json).toBe("out.json");
});

test("targets come from the environment, and flags win over it", () => {
  const env = {
    LOAD_ADDER_ADDR: "10.0.0.1:1",
    LOAD_ORCHESTRATOR_URL: "http://o:2",
    LOAD_ACCOUNTS_URL: "http://a:3",
  };
  expect(parseCli([], env).options.targets).toEqual({
    adderAddr: "10.0.0.1:1",
    orchestratorUrl: "http://o:2",
    accountsUrl: "http://a:3",
  });
  expect(
    parseCli(["--adder-addr", "h:9", "--accounts-url", "http://b:4"], env).options.targets,
  ).toEqual({
    adderAddr: "h:9",
    orchestratorUrl: "http://o:2",
    accountsUrl: "http://b:4",
  });
});

test("flows are validated and deduplicated", () => {
  expect(parseFlows("add, transfer,add")).toEqual(["add", "transfer"]);
  expect(() => parseFlows("add,withdraw")).toThrow('unknown flow "withdraw"');
  expect(() => parseFlows(",")).toThrow("--flows is empty");
});

test("bad numbers and unknown flags are refused", () => {
  expect(() => parseCli(["--rate", "0"], {})).toThrow("--rate must be a positive number");
  expect(() => parseCli(["--rate", "fast"], {})).toThrow("--rate must be a positive number");
  expect(() => parseCli(["--accounts", "2.5"], {})).toThrow(
    "--accounts must be a positive integer",
  );
  expect(() => parseCli(["--max-in-flight", "-1"], {})).toThrow("--max-in-flight");
  expect(() => parseCli(["--duration", "soon"], {})).toThrow('invalid duration "soon"');
  expect(() => parseCli(["--rps", "5"], {})).toThrow();
});
