// The merging logic of the coalescing producer, against a driver that records each request and
// answers when told to; the real broker path is covered by the conformance suite.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coalescing } from "../src/coalesce.ts";
import type { DriverProducer } from "../src/driver.ts";
import { type Deferred, deferred } from "../src/internal.ts";
import type { DeliveryReport, OutgoingMessage } from "../src/port.ts";

function recordingDriver() {
  const requests: { messages: OutgoingMessage[]; answer: Deferred<void> }[] = [];
  let offset = 0n;
  const driver: DriverProducer = {
    async send(messages) {
      const answer = deferred<void>();
      requests.push({ messages, answer });
      await answer.promise;
      return messages.map(
        (m): DeliveryReport => ({ topic: m.topic, partition: 0, offset: offset++ }),
      );
    },
    async connect() {},
    async close() {},
  };
  return { driver, requests };
}

const msg = (value: string): OutgoingMessage => ({ topic: "t", key: null, value });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("coalescing producer", () => {
  it("sends a lone call at once and merges calls made while requests are in flight", async () => {
    const { driver, requests } = recordingDriver();
    const producer = coalescing(driver, { maxInFlight: 1, maxMessages: 100, maxBytes: 1 << 20 });
    const first = producer.send([msg("a")]);
    assert.equal(requests.length, 1, "no linger: the first send goes out immediately");
    const second = producer.send([msg("b"), msg("c")]);
    const third = producer.send([msg("d")]);
    assert.equal(requests.length, 1, "the others wait for the slot");
    requests[0]?.answer.resolve();
    await first;
    await tick();
    assert.equal(requests.length, 2);
    assert.deepEqual(
      requests[1]?.messages.map((m) => m.value),
      ["b", "c", "d"],
      "merged in call order",
    );
    requests[1]?.answer.resolve();
    assert.deepEqual(
      (await second).map((r) => r.offset),
      [1n, 2n],
    );
    assert.deepEqual(
      (await third).map((r) => r.offset),
      [3n],
    );
  });

  it("never merges past maxMessages or maxBytes, and fails every call of a failed request", async () => {
    const { driver, requests } = recordingDriver();
    const producer = coalescing(driver, { maxInFlight: 1, maxMessages: 2, maxBytes: 10 });
    const calls = [producer.send([msg("x")]), producer.send([msg("y")]), producer.send([msg("z")])];
    const big = producer.send([msg("0123456789"), msg("0123456789")]);
    requests[0]?.answer.resolve();
    await tick();
    await tick();
    assert.deepEqual(
      requests[1]?.messages.map((m) => m.value),
      ["y", "z"],
    );
    requests[1]?.answer.reject(new Error("NOT_LEADER"));
    await assert.rejects(calls[1] as Promise<unknown>, /NOT_LEADER/);
    await assert.rejects(calls[2] as Promise<unknown>, /NOT_LEADER/);
    await tick();
    assert.equal(requests[2]?.messages.length, 2, "an oversized call still goes, alone");
    requests[2]?.answer.resolve();
    assert.equal((await big).length, 2);
    await calls[0];
  });

  it("close() fails sends that never left and closes the driver", async () => {
    const { driver, requests } = recordingDriver();
    let closed = false;
    const producer = coalescing(
      {
        ...driver,
        async close() {
          closed = true;
        },
      },
      { maxInFlight: 1, maxMessages: 10, maxBytes: 1 << 20 },
    );
    const onWire = producer.send([msg("a")]);
    const queued = producer.send([msg("b")]);
    await producer.close();
    assert.equal(closed, true);
    await assert.rejects(queued, /closed before sending/);
    requests[0]?.answer.resolve();
    assert.equal((await onWire).length, 1, "the driver still answers what it had");
  });
});
