// Broker-free checks of the pieces both adapters share.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compatibilityPartitioner } from "@platformatic/kafka";
import { DLQ_HEADERS, deadLetterMessage, errorTypeOf } from "../src/dead-letter.ts";
import { reportsFromBaseOffsets } from "../src/partition-assigner.ts";
import { partitionForKey } from "../src/partitioner.ts";
import { chooseAdapter } from "../src/select.ts";

describe("partitionForKey", () => {
  it("matches the Java-compatible murmur2 partitioner", () => {
    for (let i = 0; i < 500; i++) {
      const key = Buffer.from(`key-${i}-${"x".repeat(i % 7)}`);
      for (const partitions of [1, 3, 12]) {
        assert.equal(
          partitionForKey(key, partitions),
          compatibilityPartitioner({ topic: "t" }, key) % partitions,
        );
      }
    }
  });

  it("matches known Java client results", () => {
    // Values from Apache Kafka's Utils.murmur2 test vectors, masked and taken modulo 1000.
    assert.equal(partitionForKey("21", 1000), (-973932308 & 0x7fffffff) % 1000);
    assert.equal(partitionForKey("foobar", 1000), (-790332482 & 0x7fffffff) % 1000);
  });
});

describe("chooseAdapter", () => {
  it("lets KAFKA_CLIENT override everything", () => {
    assert.deepEqual(chooseAdapter("confluent", { KAFKA_CLIENT: "platformatic" }), {
      adapter: "platformatic",
      reason: "KAFKA_CLIENT=platformatic",
    });
  });

  it("rejects an unknown KAFKA_CLIENT", () => {
    assert.throws(() => chooseAdapter(undefined, { KAFKA_CLIENT: "kafkajs" }), /not one of/);
  });

  it("takes librdkafka through bun:ffi on Bun, from the Confluent client's build", () => {
    // The test command builds it before the suites run (scripts/test.ts).
    const choice = chooseAdapter(undefined, { HOME: process.env.HOME });
    assert.equal(choice.adapter, "librdkafka");
    assert.match(choice.reason, /^librdkafka 2\.\d+\.\d+ loaded from .*confluent-kafka-javascript/);
  });

  it("falls back to platformatic, saying why, where no librdkafka loads", () => {
    const choice = chooseAdapter(undefined, { LIBRDKAFKA_PATH: "/nonexistent/librdkafka.so.1" });
    assert.equal(choice.adapter, "platformatic");
    assert.match(choice.reason, /LIBRDKAFKA_PATH \/nonexistent\/librdkafka.so.1: no such file/);
    assert.match(choice.reason, /no addon/);
  });

  it("refuses a library too old or not librdkafka at all", () => {
    const choice = chooseAdapter(undefined, { LIBRDKAFKA_PATH: "libz.so.1" });
    assert.equal(choice.adapter, "platformatic");
    assert.match(choice.reason, /libz.so.1: .*rd_kafka/);
  });
});

describe("dead letters", () => {
  it("keep key, value and headers and say where they came from", () => {
    const out = deadLetterMessage(
      {
        topic: "orders",
        partition: 2,
        offset: 41n,
        key: Buffer.from("k"),
        value: Buffer.from("v"),
        headers: { traceparent: Buffer.from("00-abc-def-01") },
        timestamp: 1_700_000_000_000,
      },
      "orders.dlq",
      { stage: "decode", error: new SyntaxError("bad json"), groupId: "g" },
    );
    assert.equal(out.topic, "orders.dlq");
    assert.deepEqual(out.key, Buffer.from("k"));
    assert.deepEqual(out.headers?.traceparent, Buffer.from("00-abc-def-01"));
    assert.equal(out.headers?.[DLQ_HEADERS.errorType], "SyntaxError");
    assert.equal(out.headers?.[DLQ_HEADERS.originalPartition], "2");
    assert.equal(out.headers?.[DLQ_HEADERS.originalOffset], "41");
  });

  it("name errors by code, then class", () => {
    assert.equal(errorTypeOf(Object.assign(new Error("x"), { code: "ECONNRESET" })), "ECONNRESET");
    class Rejected extends Error {}
    assert.equal(errorTypeOf(new Rejected("x")), "Rejected");
    assert.equal(errorTypeOf("text"), "string");
  });
});

describe("reportsFromBaseOffsets", () => {
  it("numbers each partition's messages from its base offset, in request order", () => {
    const messages = [0, 1, 2, 3].map((i) => ({ topic: "t", value: String(i) }));
    const reports = reportsFromBaseOffsets(
      messages,
      [0, 1, 0, 0],
      [
        { topic: "t", partition: 0, offset: 10n },
        { topic: "t", partition: 1, offset: 5n },
      ],
    );
    assert.deepEqual(
      reports.map((r) => [r.partition, r.offset]),
      [
        [0, 10n],
        [1, 5n],
        [0, 11n],
        [0, 12n],
      ],
    );
  });
});
