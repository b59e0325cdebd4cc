// Broker-free unit tests of the domain modules: validation, int64 arithmetic, the SumMessage
// body, the stream batcher and the send deadline.
import { describe, expect, test } from "bun:test";
import type { DeliveryReport } from "@obs/kafka";
import { AppError, GrpcStatus } from "@obs/service";
import { addInt64, INT64_MAX, INT64_MIN, sumOf, toInt64 } from "../src/add.ts";
import {
  buildSumMessage,
  createBatcher,
  ProduceTimeoutError,
  produceDeadline,
  sumCodec,
  timestampOf,
  toOutgoing,
} from "../src/publish.ts";

function invalid(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    return (error as Error).message;
  }
  throw new Error("expected an INVALID_ARGUMENT AppError");
}

describe("toInt64", () => {
  test("accepts decimal strings, safe integers and bigints", () => {
    expect(toInt64("42", "a")).toBe(42n);
    expect(toInt64("-7", "a")).toBe(-7n);
    expect(toInt64(" 12 ", "a")).toBe(12n);
    expect(toInt64(5, "a")).toBe(5n);
    expect(toInt64(-3n, "a")).toBe(-3n);
    expect(toInt64("9223372036854775807", "a")).toBe(INT64_MAX);
    expect(toInt64("-9223372036854775808", "a")).toBe(INT64_MIN);
  });

  test("names the missing field", () => {
    expect(invalid(() => toInt64(undefined, "a"))).toBe("a is required");
    expect(invalid(() => toInt64(null, "b"))).toBe("b is required");
  });

  test("rejects wrong types, fractions, junk strings and out-of-range values", () => {
    expect(invalid(() => toInt64(true, "a"))).toBe("a must be an integer or a decimal string");
    expect(invalid(() => toInt64({}, "b"))).toBe("b must be an integer or a decimal string");
    expect(invalid(() => toInt64(1.5, "a"))).toBe("a must be an integer");
    expect(invalid(() => toInt64("1.5", "a"))).toContain("a must be a decimal integer");
    expect(invalid(() => toInt64("0x10", "a"))).toContain("a must be a decimal integer");
    expect(invalid(() => toInt64("", "a"))).toContain("a must be a decimal integer");
    expect(invalid(() => toInt64("9223372036854775808", "a"))).toBe("a is out of the int64 range");
    expect(invalid(() => toInt64(2 ** 60, "b"))).toContain("send it as a decimal string");
  });
});

describe("addInt64 and sumOf", () => {
  test("adds across the whole int64 range", () => {
    expect(addInt64(2n, 3n)).toBe(5n);
    expect(addInt64(INT64_MAX, INT64_MIN)).toBe(-1n);
    expect(addInt64(INT64_MAX, 0n)).toBe(INT64_MAX);
    expect(sumOf({ a: "9007199254740993", b: "1" })).toBe(9007199254740994n);
  });

  test("refuses a sum beyond int64 in either direction", () => {
    expect(invalid(() => addInt64(INT64_MAX, 1n))).toBe("sum overflows int64");
    expect(invalid(() => addInt64(INT64_MIN, -1n))).toBe("sum overflows int64");
    expect(invalid(() => sumOf({ a: "9223372036854775807", b: 1 }))).toBe("sum overflows int64");
  });

  test("checks a before b", () => {
    expect(invalid(() => sumOf({}))).toBe("a is required");
    expect(invalid(() => sumOf({ a: 1 }))).toBe("b is required");
  });
});

describe("SumMessage", () => {
  test("timestampOf splits epoch milliseconds into seconds and nanos", () => {
    expect(timestampOf(1_700_000_000_123)).toEqual({ seconds: "1700000000", nanos: 123_000_000 });
    expect(timestampOf(0)).toEqual({ seconds: "0", nanos: 0 });
  });

  test("carries the span's ids and is keyed by its message id", () => {
    const spanContext = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    };
    const message = buildSumMessage(-5n, { spanContext, now: 1_700_000_000_500 });
    expect(message.sum).toBe("-5");
    expect(message.trace_id).toBe(spanContext.traceId);
    expect(message.span_id).toBe(spanContext.spanId);
    expect(message.message_id).toMatch(/^[0-9a-f-]{36}$/);
    const outgoing = toOutgoing(message);
    expect(outgoing.topic).toBe("adder.sums.v1");
    expect(outgoing.key).toBe(message.message_id);
    expect(sumCodec.decode(outgoing.value as Buffer)).toEqual(message);
  });

  test("has empty ids outside a span and a fresh message id each time", () => {
    const a = buildSumMessage(1n);
    const b = buildSumMessage(1n);
    expect(a.trace_id).toBe("");
    expect(a.span_id).toBe("");
    expect(a.message_id).not.toBe(b.message_id);
  });
});

describe("createBatcher", () => {
  test("sends full batches at once and the rest on finish, in order", async () => {
    const sent: bigint[][] = [];
    const batcher = createBatcher(
      async (sums) => {
        sent.push(sums);
      },
      { maxBatch: 3, lingerMs: 60_000 },
    );
    const waits = [1n, 2n, 3n, 4n, 5n].map((n) => batcher.add(n));
    expect(waits.map((w) => w !== undefined)).toEqual([false, false, true, false, false]);
    await waits[2];
    expect(sent).toEqual([[1n, 2n, 3n]]);
    await batcher.finish();
    expect(sent).toEqual([
      [1n, 2n, 3n],
      [4n, 5n],
    ]);
  });

  test("sends a partial batch after the linger time", async () => {
    const sent: bigint[][] = [];
    const batcher = createBatcher(
      async (sums) => {
        sent.push(sums);
      },
      { maxBatch: 100, lingerMs: 10 },
    );
    batcher.add(7n);
    expect(sent).toEqual([]);
    await Bun.sleep(50);
    expect(sent).toEqual([[7n]]);
  });

  test("stops at the first failed batch and reports it", async () => {
    let calls = 0;
    const batcher = createBatcher(
      async () => {
        calls++;
        throw new Error("broker down");
      },
      { maxBatch: 2, lingerMs: 60_000 },
    );
    batcher.add(1n);
    await expect(batcher.add(2n) as Promise<void>).rejects.toThrow("broker down");
    // Later adds see the failure instead of queueing behind it.
    await expect(batcher.add(3n) as Promise<void>).rejects.toThrow("broker down");
    await expect(batcher.finish()).rejects.toThrow("broker down");
    expect(calls).toBe(1);
  });
});

describe("produceDeadline", () => {
  test("fails a send that is not acknowledged in time", async () => {
    const never = () => new Promise<DeliveryReport[]>(() => {});
    const started = Date.now();
    const error = await produceDeadline(50)([{ topic: "t", value: "v" }], never).catch((e) => e);
    expect(error).toBeInstanceOf(ProduceTimeoutError);
    expect((error as ProduceTimeoutError).code).toBe("PRODUCE_TIMEOUT");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("passes acknowledged sends and their errors through", async () => {
    const report: DeliveryReport = { topic: "t", partition: 0, offset: 3n };
    const ok = await produceDeadline(1000)([{ topic: "t", value: "v" }], async () => [report]);
    expect(ok).toEqual([report]);
    const refused = Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    await expect(
      produceDeadline(1000)([{ topic: "t", value: "v" }], () => Promise.reject(refused)),
    ).rejects.toBe(refused);
  });
});
