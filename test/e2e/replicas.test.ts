// Two instances of each app that shares work, as `bun run dev --replicas 2` runs them (the
// same plan, ports and variables), against the real broker, PostgreSQL and Prometheus: the
// totalizers split the partitions of their group and apply every sum once; the ledgers' and
// accounts' outbox relays publish every row once between them; the orchestrator's
// round_robin channels spread calls over both ledgers and both accounts; Prometheus scrapes
// every instance.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { type Admin, createKafka, type Kafka } from "@obs/kafka";
import { TOPICS } from "@obs/proto";
import postgres from "postgres";
import { databaseUrlFor } from "../../lib/db/src/index.ts";
import type { AppName } from "../../lib/service/src/apps.ts";
import { planInstances } from "../../scripts/replicas.ts";
import { removeScrapeTargets, writeScrapeTargets } from "../../scripts/scrape-targets.ts";
import {
  assertAppPortsFree,
  jaegerTraces,
  type RunningApp,
  runInstances,
  stopApp,
} from "../support/apps.ts";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";
import { metricsText, sumOf } from "../support/metrics.ts";
import {
  endOffsets,
  openAccount,
  postTransfer,
  recordsSince,
  totalizerSettled,
} from "../support/system.ts";

/** Two of each app that shares work; one adder and one orchestrator drive them. */
const REPLICATED: AppName[] = ["totalizer", "ledger", "accounts"];
const plan = [
  ...planInstances([...REPLICATED, "orchestrator"], 2),
  ...planInstances(["adder"], 1),
].filter((i) => i.app !== "orchestrator" || i.replica === 0);

let running: RunningApp[] = [];
const byLabel = (label: string): RunningApp => {
  const app = running.find((a) => a.label === label);
  if (!app) throw new Error(`${label} is not running`);
  return app;
};
let kafka: Kafka;
let admin: Admin;
const ledgerDb = postgres(databaseUrlFor("ledger"), { max: 2, onnotice: () => {} });
const accountsDb = postgres(databaseUrlFor("accounts"), { max: 1, onnotice: () => {} });

beforeAll(async () => {
  await ensureInfra();
  await assertAppPortsFree(REPLICATED, 2);
  await assertAppPortsFree(["adder", "orchestrator"]);
  running = await runInstances(plan);
  kafka = await createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
    clientId: "replicas-test",
    adapter: "platformatic",
  });
  admin = await kafka.admin();
}, 600_000);

afterAll(async () => {
  removeScrapeTargets();
  await Promise.all(running.map((app) => stopApp(app)));
  await admin?.close();
  await kafka?.close();
  await Promise.all([ledgerDb.end(), accountsDb.end()]);
}, 60_000);

/** Each instance's value of `name` (summed over the samples matching `labels`). */
async function perInstance(
  labels: string[],
  name: string,
  match: Record<string, string> = {},
): Promise<number[]> {
  return Promise.all(labels.map(async (l) => sumOf(await metricsText(byLabel(l)), name, match)));
}

const share = (counts: number[]) => {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => Math.round((100 * c) / total));
};

describe("consumer group", () => {
  test("two totalizers hold the topic's partitions between them and apply every sum once", async () => {
    const totalizers = ["totalizer-0", "totalizer-1"];
    const partitions = (await admin.partitionCounts([TOPICS.sums])).get(TOPICS.sums) ?? 0;
    expect(partitions).toBeGreaterThanOrEqual(2);
    const held = await eventually(
      "both totalizers to hold partitions",
      async () => {
        const counts = await perInstance(totalizers, "kafka_consumer_assigned_partitions", {
          consumer_group: "totalizer",
        });
        const sum = counts.reduce((a, b) => a + b, 0);
        return counts.every((c) => c > 0) && sum === partitions ? counts : undefined;
      },
      60_000,
      500,
    );
    console.log(`partitions of ${TOPICS.sums} per totalizer: ${held.join(" + ")}`);

    await totalizerSettled(admin);
    const totalBefore = (await (await fetch(byLabel("totalizer-0").url("/v1/total"))).json()) as {
      total: string;
      message_count: string;
    };
    const consumedBefore = await perInstance(totalizers, "kafka_messages_consumed_total", {
      topic: TOPICS.sums,
    });

    const count = 300;
    let sent = 0n;
    const adder = byLabel("adder");
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, j) => {
          const a = i + j;
          sent += BigInt(a + 1);
          const response = await fetch(adder.url("/v1/add"), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ a, b: 1 }),
          });
          expect(response.status).toBe(200);
        }),
      );
    }
    await totalizerSettled(admin);

    // Either instance reads the one total from PostgreSQL: it grew by exactly what was sent.
    for (const label of totalizers) {
      const now = (await (await fetch(byLabel(label).url("/v1/total"))).json()) as {
        total: string;
        message_count: string;
      };
      expect(BigInt(now.total) - BigInt(totalBefore.total)).toBe(sent);
      expect(Number(now.message_count) - Number(totalBefore.message_count)).toBe(count);
    }
    const consumed = (
      await perInstance(totalizers, "kafka_messages_consumed_total", { topic: TOPICS.sums })
    ).map((n, i) => n - (consumedBefore[i] ?? 0));
    console.log(
      `sums consumed per totalizer: ${consumed.join(" + ")} (${share(consumed).join("/")} %)`,
    );
    // Each message was delivered to one member only, once.
    expect(consumed.reduce((a, b) => a + b, 0)).toBe(count);
    expect(consumed.every((n) => n > 0)).toBe(true);
  }, 180_000);
});

describe("outbox relays and round_robin", () => {
  test("transfers spread over both ledgers and accounts; each outbox row is published once", async () => {
    const ledgers = ["ledger-0", "ledger-1"];
    const accounts = ["accounts-0", "accounts-1"];
    const lastId = async (db: postgres.Sql, table: string) =>
      (await db<{ max: string }[]>`select coalesce(max(id), 0)::text as max from ${db(table)}`)[0]
        ?.max ?? "0";
    const ledgerBefore = await lastId(ledgerDb, "ledger.outbox");
    const accountsBefore = await lastId(accountsDb, "accounts.outbox");
    const entriesFrom = await endOffsets(admin, TOPICS.ledgerEntries);
    const accountsFrom = await endOffsets(admin, TOPICS.accounts);
    const postEntry = { rpc_method: "ledger.v1.Ledger/PostEntry" };
    const getAccount = { rpc_method: "accounts.v1.Accounts/GetAccount" };
    const callsBefore = await perInstance(
      ledgers,
      "rpc_server_call_duration_seconds_count",
      postEntry,
    );
    const lookupsBefore = await perInstance(
      accounts,
      "rpc_server_call_duration_seconds_count",
      getAccount,
    );
    const relayedBefore = await perInstance(ledgers, "outbox_published_total");

    // Accounts opened through either instance (REST), each publishing account.opened.
    const opened = await Promise.all(
      Array.from({ length: 8 }, (_, i) => openAccount(byLabel(accounts[i % 2] as string))),
    );
    const transfers = 120;
    const orchestrator = byLabel("orchestrator-0");
    for (let i = 0; i < transfers; i += 6) {
      await Promise.all(
        Array.from({ length: 6 }, async (_, j) => {
          const from = opened[(i + j) % opened.length] as string;
          const to = opened[(i + j + 1) % opened.length] as string;
          const response = await postTransfer(orchestrator, {
            from_account_id: from,
            to_account_id: to,
            amount_minor: 1 + j,
            currency: "USD",
            idempotency_key: `replicas-${randomUUID()}`,
          });
          expect(response.status).toBe(201);
        }),
      );
    }

    // round_robin: every PostEntry and GetAccount went to one instance or the other, in turn.
    const calls = (
      await perInstance(ledgers, "rpc_server_call_duration_seconds_count", postEntry)
    ).map((n, i) => n - (callsBefore[i] ?? 0));
    const lookups = (
      await perInstance(accounts, "rpc_server_call_duration_seconds_count", getAccount)
    ).map((n, i) => n - (lookupsBefore[i] ?? 0));
    console.log(`PostEntry per ledger: ${calls.join(" + ")} (${share(calls).join("/")} %)`);
    console.log(`GetAccount per accounts: ${lookups.join(" + ")} (${share(lookups).join("/")} %)`);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(transfers);
    expect(lookups.reduce((a, b) => a + b, 0)).toBe(2 * transfers);
    for (const counts of [calls, lookups])
      for (const percent of share(counts)) expect(percent).toBeGreaterThanOrEqual(35);

    // No row left unpublished, and every row on its topic exactly once (by event id).
    for (const [db, table, after, topic, from, rows] of [
      [ledgerDb, "ledger.outbox", ledgerBefore, TOPICS.ledgerEntries, entriesFrom, transfers],
      [accountsDb, "accounts.outbox", accountsBefore, TOPICS.accounts, accountsFrom, opened.length],
    ] as const) {
      const published = await eventually(
        `${table} drained`,
        async () => {
          const pending = await db<{ event_id: string; published: boolean }[]>`
            select convert_from(value, 'UTF8')::jsonb->>'event_id' as event_id,
                   published_at is not null as published
            from ${db(table)} where id > ${after}`;
          return pending.every((r) => r.published) ? pending : undefined;
        },
        60_000,
      );
      expect(published).toHaveLength(rows);
      const onTopic = new Map<string, number>();
      const records = await eventually(
        `${topic}: every row`,
        async () => {
          const all = await recordsSince(topic, from);
          return all.length >= rows ? all : undefined;
        },
        30_000,
      );
      for (const record of records) {
        const id = (JSON.parse(record.value) as { event_id: string }).event_id;
        onTopic.set(id, (onTopic.get(id) ?? 0) + 1);
      }
      const times = published.map((r) => onTopic.get(r.event_id) ?? 0);
      expect({ table, notOnce: times.filter((n) => n !== 1).length }).toEqual({
        table,
        notOnce: 0,
      });
    }
    const relayed = (await perInstance(ledgers, "outbox_published_total")).map(
      (n, i) => n - (relayedBefore[i] ?? 0),
    );
    console.log(`ledger outbox rows published per relay: ${relayed.join(" + ")}`);
    expect(relayed.reduce((a, b) => a + b, 0)).toBe(transfers);

    // Jaeger tells the instances apart: service.instance.id on each one's spans.
    const instanceIds = await eventually(
      "spans of both ledgers in Jaeger",
      async () => {
        const ids = new Set<unknown>();
        for (const trace of await jaegerTraces("ledger", { limit: "200", lookback: "10m" }))
          for (const process of Object.values(trace.processes))
            if (process.serviceName === "ledger")
              ids.add(process.tags?.find((t) => t.key === "service.instance.id")?.value);
        return ledgers.every((l) => ids.has(l)) ? ids : undefined;
      },
      30_000,
      1000,
    );
    expect([...instanceIds]).toEqual(expect.arrayContaining(ledgers));
  }, 240_000);
});

describe("Prometheus", () => {
  test("scrapes every instance: job apps, its app, an instance per replica", async () => {
    writeScrapeTargets(plan);
    const want = plan
      .map((i) => ({ app: i.app, instance: `localhost:${i.httpPort}` }))
      .sort((a, b) => a.instance.localeCompare(b.instance));
    const up = await eventually(
      "every instance up in Prometheus",
      async () => {
        const response = await fetch(`${ENDPOINTS.prometheus}/api/v1/targets?state=active`);
        const body = (await response.json()) as {
          data: { activeTargets: { labels: Record<string, string>; health: string }[] };
        };
        const targets = body.data.activeTargets
          .filter((t) => t.labels.job === "apps" && t.health === "up")
          .map((t) => ({ app: t.labels.app as string, instance: t.labels.instance as string }));
        return want.every((w) => targets.some((t) => t.app === w.app && t.instance === w.instance))
          ? targets
          : undefined;
      },
      60_000,
      1000,
    );
    expect(up).toEqual(expect.arrayContaining(want));
  }, 90_000);
});
