// Steady traffic through both flows while faults are injected, recording what each client was
// told: which Adds were acknowledged (by the trace id the client chose, which the SumMessage
// carries) and which transfers. A transfer that fails (5xx, connection refused, time-out) is
// retried with the same idempotency key until it succeeds, as a careful client would; an Add
// is not retried (each call is a new sum), so it is either acknowledged or failed.
import { randomBytes, randomUUID } from "node:crypto";
import type { RunningApp } from "./apps.ts";
import { postTransfer, type TransferBody } from "./system.ts";

export interface TrafficApps {
  adder: RunningApp;
  orchestrator: RunningApp;
}

export interface TrafficOptions {
  addsPerSecond: number;
  transfersPerSecond: number;
  /** Accounts to move money between, per currency. */
  accounts: Record<string, string[]>;
  /** Most requests of each flow in flight at once; beyond it a tick is skipped. */
  maxInFlight?: number;
}

export interface AckedTransfer {
  key: string;
  transferId: string;
  entryId: string;
  from: string;
  to: string;
  amount: bigint;
  currency: string;
  /** Tries it took (1 when the first answer was 201). */
  attempts: number;
}

/** One answer a client got (each try of a transfer is one), for when the failures were. */
export interface Answer {
  flow: "add" | "transfer";
  /** Date.now() when the answer (or the failure) came. */
  at: number;
  ok: boolean;
}

export interface TrafficRecord {
  addsStarted: number;
  transfersStarted: number;
  addsAcked: Set<string>;
  addsFailed: Set<string>;
  transfersAcked: AckedTransfer[];
  /** A 4xx for a valid transfer: the system refused something it should have taken. */
  transfersRefused: { key: string; status: number; body: string }[];
  /** Failed answers seen before a retry succeeded, by status ("network" for no answer). */
  transferFailures: Map<string, number>;
  /** Failed Adds by status ("network" for no answer). */
  addFailures: Map<string, number>;
  answers: Answer[];
  /** The latest failed answer of each flow (status and the start of its body), for reports. */
  lastFailure: { add?: string; transfer?: string };
}

export function emptyRecord(): TrafficRecord {
  return {
    addsStarted: 0,
    transfersStarted: 0,
    addsAcked: new Set(),
    addsFailed: new Set(),
    transfersAcked: [],
    transfersRefused: [],
    transferFailures: new Map(),
    addFailures: new Map(),
    answers: [],
    lastFailure: {},
  };
}

/** Several runs' records as one, for invariants over everything the clients were told. */
export function mergeRecords(records: TrafficRecord[]): TrafficRecord {
  const all = emptyRecord();
  const addAll = (into: Map<string, number>, from: Map<string, number>) => {
    for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
  };
  for (const r of records) {
    all.addsStarted += r.addsStarted;
    all.transfersStarted += r.transfersStarted;
    for (const id of r.addsAcked) all.addsAcked.add(id);
    for (const id of r.addsFailed) all.addsFailed.add(id);
    all.transfersAcked.push(...r.transfersAcked);
    all.transfersRefused.push(...r.transfersRefused);
    addAll(all.transferFailures, r.transferFailures);
    addAll(all.addFailures, r.addFailures);
    all.answers.push(...r.answers);
    all.lastFailure = { ...all.lastFailure, ...r.lastFailure };
  }
  return all;
}

export interface Probe {
  /** The sum of the probe Add: unique, so the totalizer's rows show when it was counted. */
  sum: bigint;
  /** The ledger entry of the probe transfer, as the read model's statement lines name it. */
  entryId: string;
}

export interface Traffic {
  record: TrafficRecord;
  /**
   * One Add with a unique sum and one transfer, each retried until acknowledged (recorded like
   * the rest): once both show on the read side, data flows end to end again. Rejects, naming
   * the last failure, when either is not acknowledged within `timeoutMs` (default 120 s).
   */
  probe(timeoutMs?: number): Promise<Probe>;
  /** Stops new requests and waits until every transfer is acknowledged (or `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
  /**
   * Stops everything at once without waiting: no new requests, retries and probes give up. For
   * hooks after a test that failed or timed out, so its load never leaks into the next test.
   */
  halt(): void;
}

/** Every load started and not halted yet, for haltAllTraffic(). */
const live = new Set<Traffic>();

/**
 * Halts every load still running: an `afterEach` of the files that start load, so a test that
 * failed or timed out (bun goes on to the next test, its body still running) leaks none.
 */
export function haltAllTraffic(): void {
  for (const traffic of live) traffic.halt();
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;

export function startTraffic(apps: TrafficApps, options: TrafficOptions): Traffic {
  const maxInFlight = options.maxInFlight ?? 200;
  const record = emptyRecord();
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const answered = (flow: Answer["flow"], ok: boolean) =>
    record.answers.push({ flow, at: Date.now(), ok });
  const inFlight = { adds: new Set<Promise<unknown>>(), transfers: new Set<Promise<unknown>>() };
  let stopping = false;
  let giveUpAt = Number.POSITIVE_INFINITY;

  function track(set: Set<Promise<unknown>>, work: Promise<unknown>): void {
    set.add(work);
    void work.finally(() => set.delete(work));
  }

  async function add(a = 1n): Promise<boolean> {
    record.addsStarted++;
    const traceId = hex(16);
    try {
      const response = await fetch(apps.adder.url("/v1/add"), {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: `00-${traceId}-${hex(8)}-01` },
        body: JSON.stringify({ a: a.toString(), b: 0 }),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      answered("add", response.status === 200);
      if (response.status === 200) {
        record.addsAcked.add(traceId);
        return true;
      }
      record.addsFailed.add(traceId);
      count(record.addFailures, String(response.status));
      record.lastFailure.add = `${response.status} ${text.slice(0, 300)}`;
      return false;
    } catch (error) {
      answered("add", false);
      record.addsFailed.add(traceId);
      count(record.addFailures, "network");
      record.lastFailure.add = `network: ${(error as Error).message}`;
      return false;
    }
  }

  /** Retried until acknowledged, refused, or `giveUp()` says stop. */
  async function transfer(
    giveUp: () => boolean = () => Date.now() > giveUpAt,
  ): Promise<AckedTransfer | undefined> {
    record.transfersStarted++;
    const currency = pick(Object.keys(options.accounts));
    const pool = options.accounts[currency] ?? [];
    const from = pick(pool);
    let to = pick(pool);
    while (to === from) to = pick(pool);
    const amount = BigInt(1 + Math.floor(Math.random() * 100));
    const body: TransferBody = {
      from_account_id: from,
      to_account_id: to,
      amount_minor: Number(amount),
      currency,
      idempotency_key: randomUUID(),
    };
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const response = await postTransfer(
          apps.orchestrator,
          body,
          {},
          AbortSignal.timeout(15_000),
        );
        const text = await response.text();
        answered("transfer", response.status === 201);
        if (response.status === 201) {
          const answer = JSON.parse(text) as { transfer_id: string; entry_id: string };
          const acked: AckedTransfer = {
            key: body.idempotency_key,
            transferId: answer.transfer_id,
            entryId: answer.entry_id,
            from,
            to,
            amount,
            currency,
            attempts: attempt,
          };
          record.transfersAcked.push(acked);
          return acked;
        }
        if (response.status < 500) {
          record.transfersRefused.push({
            key: body.idempotency_key,
            status: response.status,
            body: text,
          });
          return undefined;
        }
        failure = String(response.status);
        record.lastFailure.transfer = `${response.status} ${text.slice(0, 300)}`;
      } catch (error) {
        answered("transfer", false);
        failure = "network";
        record.lastFailure.transfer = `network: ${(error as Error).message}`;
      }
      count(record.transferFailures, failure);
      if (giveUp()) return undefined;
      await Bun.sleep(Math.min(250 * attempt, 2_000));
    }
  }

  const tick = (rate: number, set: Set<Promise<unknown>>, work: () => Promise<unknown>) =>
    rate > 0
      ? setInterval(() => {
          if (!stopping && set.size < maxInFlight) track(set, work());
        }, 1000 / rate)
      : undefined;
  const timers = [
    tick(options.addsPerSecond, inFlight.adds, () => add()),
    tick(options.transfersPerSecond, inFlight.transfers, () => transfer()),
  ];
  let halted = false;

  const traffic: Traffic = {
    record,
    async probe(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      const over = () => halted || Date.now() > deadline;
      const sum = 1_000_000_000n + BigInt(Math.floor(Math.random() * 1e9));
      const adding = (async () => {
        while (!(await add(sum))) {
          if (over())
            throw new Error(
              `probe: no Add acknowledged in ${timeoutMs / 1000} s; the last answer: ${record.lastFailure.add}`,
            );
          await Bun.sleep(250);
        }
      })();
      // Awaited below; until then its rejection is not unhandled.
      adding.catch(() => {});
      let acked: AckedTransfer | undefined;
      while (!acked) {
        acked = await transfer(over);
        if (!acked && over())
          throw new Error(
            `probe: no transfer acknowledged in ${timeoutMs / 1000} s; the last answer: ${record.lastFailure.transfer}`,
          );
      }
      await adding;
      return { sum, entryId: acked.entryId };
    },
    async stop(timeoutMs = 120_000) {
      stopping = true;
      for (const timer of timers) clearInterval(timer);
      giveUpAt = Date.now() + timeoutMs;
      await Promise.all([...inFlight.adds, ...inFlight.transfers]);
    },
    halt() {
      live.delete(traffic);
      halted = true;
      stopping = true;
      giveUpAt = 0;
      for (const timer of timers) clearInterval(timer);
    },
  };
  live.add(traffic);
  return traffic;
}
