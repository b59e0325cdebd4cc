// The generator against the real apps on ports of their own (gRPC 5025x, HTTP 929x), so it
// runs beside `bun run dev` and other suites: a short load at a low rate on both flows must
// come back all ok, and the work must show up downstream — in the totalizer's message count
// and in the read model's statement lines of the accounts it opened.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { databaseUrlFor } from "../../lib/db/src/index.ts";
import type { AppName } from "../../lib/service/src/apps.ts";
import { type RunningApp, runApps, stopApp } from "../../scripts/app-process.ts";
import { ensureInfra, eventually } from "../../test/support/infra.ts";
import { openAccounts } from "./flows/accounts.ts";
import { type LoadSummary, runLoad } from "./run.ts";
import type { Targets } from "./targets.ts";

const PORTS: Record<AppName, { grpcPort: number; httpPort: number }> = {
  adder: { grpcPort: 50251, httpPort: 9290 },
  totalizer: { grpcPort: 50252, httpPort: 9291 },
  ledger: { grpcPort: 50253, httpPort: 9292 },
  readmodel: { grpcPort: 50254, httpPort: 9293 },
  accounts: { grpcPort: 50255, httpPort: 9294 },
  orchestrator: { grpcPort: 50256, httpPort: 9295 },
};
const targets: Targets = {
  adderAddr: `127.0.0.1:${PORTS.adder.grpcPort}`,
  orchestratorUrl: `http://127.0.0.1:${PORTS.orchestrator.httpPort}`,
  accountsUrl: `http://127.0.0.1:${PORTS.accounts.httpPort}`,
};

const apps: RunningApp[] = [];
let readmodelDb: ReturnType<typeof postgres>;

beforeAll(async () => {
  await ensureInfra();
  const env = (name: AppName): Record<string, string> =>
    name === "orchestrator"
      ? {
          ACCOUNTS_ADDR: `127.0.0.1:${PORTS.accounts.grpcPort}`,
          LEDGER_ADDR: `127.0.0.1:${PORTS.ledger.grpcPort}`,
        }
      : {};
  const names = Object.keys(PORTS) as AppName[];
  // runApps stops the ones that started if another fails, so afterAll only sees a full set.
  apps.push(...Object.values(await runApps(names, (name) => ({ ...PORTS[name], env: env(name) }))));
  readmodelDb = postgres(databaseUrlFor("readmodel"), { max: 1 });
}, 120_000);

afterAll(async () => {
  await readmodelDb?.end();
  await Promise.all(apps.map(stopApp));
}, 30_000);

const totalizerCount = async () => {
  const response = await fetch(`http://127.0.0.1:${PORTS.totalizer.httpPort}/v1/total`);
  return BigInt(((await response.json()) as { message_count: string }).message_count);
};

test("runLoad drives both flows open-loop and the work reaches the totalizer and read model", async () => {
  const accountIds = await openAccounts({
    accountsUrl: targets.accountsUrl,
    count: 8,
    currency: "USD",
  });
  const countBefore = await totalizerCount();
  const progress: unknown[] = [];
  const summary: LoadSummary = await runLoad(
    { flows: ["add", "transfer"], rate: 40, durationMs: 3000, accountIds, targets },
    { onProgress: (p) => progress.push(p), progressIntervalMs: 1000 },
  );

  expect(summary.interrupted).toBe(false);
  expect(summary.elapsedS).toBeGreaterThan(2.9);
  expect(progress.length).toBeGreaterThanOrEqual(2);
  const add = summary.flows.add;
  const transfer = summary.flows.transfer;
  if (!add || !transfer) throw new Error("both flows should be in the summary");
  for (const flow of [add, transfer]) {
    // 20/s each for 3 s.
    expect(flow.sent).toBe(60);
    expect(flow.errorsByKind).toEqual({});
    expect(flow.ok).toBe(60);
    expect(flow.skipped).toBe(0);
    expect(flow.unfinished).toBe(0);
    expect(flow.latencyMs.p99).toBeGreaterThan(0);
  }

  // Each Add publishes one SumMessage; others may publish too, so at least ours arrive.
  await eventually(
    "the totalizer to count the adds",
    async () => ((await totalizerCount()) - countBefore >= BigInt(add.ok) ? true : undefined),
    30_000,
  );
  // Each transfer puts one statement line on each of its two accounts, all from our pool.
  await eventually(
    "the read model to project the transfers",
    async () => {
      const [row] = await readmodelDb`
        select count(*)::int as n from readmodel.statement_lines
        where account_id in ${readmodelDb(accountIds)}`;
      return row?.n === 2 * transfer.ok ? true : undefined;
    },
    30_000,
  );
}, 90_000);

test("the CLI opens its own pool, prints progress and a summary, and writes --json", async () => {
  const dir = await mkdtemp(join(tmpdir(), "load-"));
  try {
    const jsonPath = join(dir, "summary.json");
    const cli = Bun.spawn(
      [
        "bun",
        join(import.meta.dir, "..", "load.ts"),
        "--rate",
        "10",
        "--duration",
        "1500ms",
        "--accounts",
        "4",
        "--adder-addr",
        targets.adderAddr,
        "--orchestrator-url",
        targets.orchestratorUrl,
        "--accounts-url",
        targets.accountsUrl,
        "--json",
        jsonPath,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [code, stdout, stderr] = await Promise.all([
      cli.exited,
      new Response(cli.stdout).text(),
      new Response(cli.stderr).text(),
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("ran 1.5s: 10/s total over add, transfer (5/s each)");
    expect(stdout).toMatch(/^add +7 +7 +0 +0 /m);
    expect(stdout).toMatch(/^transfer +7 +7 +0 +0 /m);
    const summary = JSON.parse(await readFile(jsonPath, "utf8")) as LoadSummary;
    expect(summary.bun).toBe(Bun.version);
    expect(summary.command).toContain("--rate 10 --duration 1500ms");
    expect(new Date(summary.date).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(summary.options.accounts).toBe(4);
    expect(summary.flows.add?.ok).toBe(7);
    expect(summary.flows.transfer?.ok).toBe(7);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);

test("the CLI says which app is not reachable", async () => {
  const cli = Bun.spawn(
    [
      "bun",
      join(import.meta.dir, "..", "load.ts"),
      "--flows",
      "transfer",
      "--orchestrator-url",
      "http://127.0.0.1:9",
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [code, stderr] = await Promise.all([cli.exited, new Response(cli.stderr).text()]);
  expect(code).toBe(1);
  expect(stderr.trim()).toBe(
    "load: orchestrator not reachable at http://127.0.0.1:9 — is `bun run dev` running?",
  );
}, 20_000);
