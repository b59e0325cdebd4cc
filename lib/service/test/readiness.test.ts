// The consumer and producer readiness checks over what lib/kafka reports (plain values: each
// check is a function of the status, the group's size or the pending sends, so no broker is
// needed here; the real broker outages are in lib/kafka's conformance suite and
// test/e2e/faults.test.ts).
import { describe, expect, test } from "bun:test";
import type { ConsumerStatus, PendingSends } from "@obs/kafka";
import { createLogger } from "@obs/otel";
import { consuming, warmUpProducer } from "../src/readiness.ts";

const now = Date.now();
const base: ConsumerStatus = {
  groupId: "totalizer",
  topics: ["adder.sums.v1"],
  state: "running",
  assignment: [{ topic: "adder.sums.v1", partition: 0 }],
  since: now - 60_000,
  restarts: 0,
};

function check(status: Partial<ConsumerStatus>, group = { members: 1, partitions: 3 }) {
  return consuming(
    { status: () => ({ ...base, ...status }) },
    {
      groupMembers: async () => group.members,
      partitionCounts: async (topics) => new Map(topics.map((t) => [t, group.partitions])),
    },
    { graceMs: 10_000 },
  )();
}

test("a running consumer that holds partitions is ready", async () => {
  await expect(check({})).resolves.toBeUndefined();
});

test("a consumer that is not running is not ready, and says why", async () => {
  await expect(
    check({ state: "reconnecting", lastError: "PLT_KFK_MULTIPLE: fetch failed 4 times" }),
  ).rejects.toThrow(/consumer totalizer is reconnecting \(for 60 s\): PLT_KFK_MULTIPLE/);
  await expect(check({ state: "starting" })).rejects.toThrow("is starting");
  await expect(check({ state: "stopped" })).rejects.toThrow("is stopped");
});

test("no partitions for longer than the grace period, in a group that should give it some", async () => {
  const empty = { assignment: [], unassignedSince: now - 30_000 };
  await expect(check(empty)).rejects.toThrow(
    "has held no partition for 30 s while its group has 1 member(s) for 3 partitions",
  );
  // A rebalance empties assignments for a moment: not an alarm yet.
  await expect(check({ assignment: [], unassignedSince: now - 2_000 })).resolves.toBeUndefined();
  // More members than partitions: someone has to stand by.
  await expect(check(empty, { members: 4, partitions: 3 })).resolves.toBeUndefined();
});

describe("producer readiness", () => {
  const logger = createLogger({ service: "readiness-test", level: "silent" });
  const producer = (pending: PendingSends, connect = async () => {}) => ({
    connect,
    pending: () => pending,
  });

  test("not ready until connected, with the reason", async () => {
    const warm = warmUpProducer(
      producer({ sends: 0, oldestMs: 0 }, async () => {
        throw new Error("no broker answered");
      }),
      ["t"],
      { logger, retryMs: 60_000 },
    );
    await Bun.sleep(0);
    await expect(warm.readiness()).rejects.toThrow(/not connected yet: Error: no broker answered/);
    warm.stop();
  });

  test("ready while sends are answered quickly, or none waits", async () => {
    for (const pending of [
      { sends: 0, oldestMs: 0 },
      { sends: 40, oldestMs: 9_000 },
    ]) {
      const warm = warmUpProducer(producer(pending), ["t"], { logger, stallMs: 10_000 });
      await warm.connected;
      await expect(warm.readiness()).resolves.toBeUndefined();
    }
  });

  test("not ready while a send has waited longer than stallMs, and says how long", async () => {
    const warm = warmUpProducer(producer({ sends: 3, oldestMs: 42_000 }), ["t"], {
      logger,
      stallMs: 10_000,
    });
    await warm.connected;
    await expect(warm.readiness()).rejects.toThrow(
      "producer: 3 send(s) unacknowledged, the oldest for 42 s",
    );
  });
});
