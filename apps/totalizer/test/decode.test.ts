// What the consumer accepts and what it dead-letters, without a broker.
import { describe, expect, test } from "bun:test";
import type { KafkaMessage } from "@obs/kafka";
import { PoisonMessageError } from "@obs/proto";
import { decodeSum } from "../src/consumer.ts";
import { sumValue } from "./support.ts";

const message = (value: string | Buffer | null): KafkaMessage => ({
  topic: "t",
  partition: 0,
  offset: 0n,
  key: null,
  value: typeof value === "string" ? Buffer.from(value) : value,
  headers: {},
  timestamp: Date.now(),
});

describe("decodeSum", () => {
  test("a SumMessage as the adder writes it", () => {
    const producedAt = new Date("2026-01-02T03:04:05.678Z");
    const decoded = decodeSum(
      message(sumValue({ sum: -9007199254740993n, messageId: "id-1" }, producedAt)),
    );
    expect(decoded).toEqual({
      messageId: "id-1",
      sum: -9007199254740993n,
      producedAtMs: producedAt.getTime(),
    });
  });

  test("a missing sum is proto3's zero", () => {
    const value = JSON.stringify({ produced_at: { seconds: "1700000000" }, message_id: "x" });
    expect(decodeSum(message(value)).sum).toBe(0n);
  });

  const poison: [string, string | null][] = [
    ["not JSON", "this is not a SumMessage"],
    ["an empty value", null],
    ["JSON of another shape", JSON.stringify({ a: 1, b: 2 })],
    ["a sum that is not an integer", JSON.stringify({ sum: "abc", message_id: "x" })],
    ["a JSON array", "[1,2,3]"],
    [
      "no message_id",
      JSON.stringify({ sum: "1", produced_at: { seconds: "1700000000", nanos: 0 } }),
    ],
    ["no produced_at", JSON.stringify({ sum: "1", message_id: "x" })],
    [
      "a zero produced_at",
      JSON.stringify({ sum: "1", message_id: "x", produced_at: { seconds: "0" } }),
    ],
  ];
  for (const [what, value] of poison) {
    test(`${what} is a PoisonMessageError`, () => {
      expect(() => decodeSum(message(value))).toThrow(PoisonMessageError);
    });
  }
});
