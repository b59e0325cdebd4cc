// The replication rule for the topics apps create: how the factor follows KAFKA_BROKERS or
// KAFKA_REPLICATION_FACTOR, and what min.insync.replicas goes with it.
import { expect, test } from "bun:test";
import { loadConfig } from "../src/config.ts";
import { minInsyncReplicas, replicationFactorFrom, replicationSpec } from "../src/replication.ts";

const three = ["127.0.0.1:19092", "127.0.0.1:19094", "127.0.0.1:19096"];

test("one listed broker leaves replication to the broker, as before clusters existed", () => {
  expect(replicationFactorFrom({}, ["127.0.0.1:19092"])).toBeUndefined();
  expect(replicationSpec(undefined)).toEqual({});
  expect(loadConfig("adder", {}).kafkaReplicationFactor).toBeUndefined();
});

test("several listed brokers give one copy each, up to three", () => {
  expect(replicationFactorFrom({}, three.slice(0, 2))).toBe(2);
  expect(replicationFactorFrom({}, three)).toBe(3);
  expect(replicationFactorFrom({}, [...three, "127.0.0.1:19098", "127.0.0.1:19100"])).toBe(3);
  expect(loadConfig("adder", { KAFKA_BROKERS: three.join(",") }).kafkaReplicationFactor).toBe(3);
});

test("KAFKA_REPLICATION_FACTOR wins, whatever the bootstrap list says; junk is refused", () => {
  expect(replicationFactorFrom({ KAFKA_REPLICATION_FACTOR: "3" }, ["127.0.0.1:19092"])).toBe(3);
  expect(replicationFactorFrom({ KAFKA_REPLICATION_FACTOR: "1" }, three)).toBe(1);
  expect(() => replicationFactorFrom({ KAFKA_REPLICATION_FACTOR: "0" }, three)).toThrow(
    "KAFKA_REPLICATION_FACTOR=0",
  );
});

test("min.insync.replicas is all copies but one from three on, else one", () => {
  expect([1, 2, 3, 4, 5].map(minInsyncReplicas)).toEqual([1, 1, 2, 3, 4]);
  expect(replicationSpec(3)).toEqual({
    replicationFactor: 3,
    config: { "min.insync.replicas": "2" },
  });
});
