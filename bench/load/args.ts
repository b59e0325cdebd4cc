// The CLI's flags → LoadOptions. Kept apart from the CLI so parsing is tested without a process.
import { parseArgs } from "node:util";
import { parseDuration } from "./duration.ts";
import { FLOW_NAMES, type FlowName } from "./flows/flow.ts";
import { DEFAULT_LOAD_OPTIONS, type LoadOptions } from "./run.ts";
import { defaultTargets } from "./targets.ts";

export const USAGE = `usage: bun run load [options]

  --rate N            total requests/s, split evenly across the flows (default ${DEFAULT_LOAD_OPTIONS.rate})
  --duration D        60s, 2m, 500ms or plain seconds (default 60s)
  --flows LIST        add,transfer (default both)
  --accounts N        accounts opened for the transfers flow (default ${DEFAULT_LOAD_OPTIONS.accounts})
  --currency CODE     currency of those accounts (default ${DEFAULT_LOAD_OPTIONS.currency})
  --max-in-flight N   outstanding requests per flow before slots are skipped (default ${DEFAULT_LOAD_OPTIONS.maxInFlight})
  --timeout D         deadline of each request (default 10s)
  --drain D           wait for outstanding requests after sending stops (default 10s)
  --adder-addr H:P    adder gRPC address (env LOAD_ADDER_ADDR, default 127.0.0.1:50051)
  --orchestrator-url U  orchestrator HTTP base (env LOAD_ORCHESTRATOR_URL, default http://127.0.0.1:9095)
  --accounts-url U    accounts HTTP base (env LOAD_ACCOUNTS_URL, default http://127.0.0.1:9094)
  --json PATH         write the summary as JSON
  --help`;

export interface CliArgs {
  options: LoadOptions;
  json?: string;
  help: boolean;
}

function positive(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value)))
    throw new Error(`--${flag} must be a positive ${integer ? "integer" : "number"}, got ${text}`);
  return value;
}

export function parseFlows(text: string): FlowName[] {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error("--flows is empty");
  for (const name of names)
    if (!(FLOW_NAMES as readonly string[]).includes(name))
      throw new Error(`unknown flow ${JSON.stringify(name)}: choose from ${FLOW_NAMES.join(", ")}`);
  return [...new Set(names)] as FlowName[];
}

export function parseCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): CliArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rate: { type: "string" },
      duration: { type: "string" },
      flows: { type: "string" },
      accounts: { type: "string" },
      currency: { type: "string" },
      "max-in-flight": { type: "string" },
      timeout: { type: "string" },
      drain: { type: "string" },
      "adder-addr": { type: "string" },
      "orchestrator-url": { type: "string" },
      "accounts-url": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const d = DEFAULT_LOAD_OPTIONS;
  const targets = defaultTargets(env);
  const options: LoadOptions = {
    flows: values.flows === undefined ? d.flows : parseFlows(values.flows),
    rate: values.rate === undefined ? d.rate : positive("rate", values.rate, false),
    durationMs: values.duration === undefined ? d.durationMs : parseDuration(values.duration),
    accounts:
      values.accounts === undefined ? d.accounts : positive("accounts", values.accounts, true),
    currency: values.currency ?? d.currency,
    maxInFlight:
      values["max-in-flight"] === undefined
        ? d.maxInFlight
        : positive("max-in-flight", values["max-in-flight"], true),
    timeoutMs: values.timeout === undefined ? d.timeoutMs : parseDuration(values.timeout),
    drainMs: values.drain === undefined ? d.drainMs : parseDuration(values.drain),
    targets: {
      adderAddr: values["adder-addr"] ?? targets.adderAddr,
      orchestratorUrl: values["orchestrator-url"] ?? targets.orchestratorUrl,
      accountsUrl: values["accounts-url"] ?? targets.accountsUrl,
    },
  };
  return { options, json: values.json, help: values.help ?? false };
}
