// An adder whose broker is down (nothing listens on 127.0.0.1:1): every publish must fail
// within the publish timeout as UNAVAILABLE / 503, never a silent success, and be counted in
// kafka_producer_errors_total. Its own file, so its telemetry never overlaps another adder's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { startTelemetry, type Telemetry } from "@obs/otel";
import { loadConfig } from "@obs/service";
import { type Adder, startAdder } from "../src/app.ts";
import type { AdderClient } from "../src/types.ts";
import { adderClient, callAdd, callAddStream, grpcError, metricValue, scrape } from "./helpers.ts";

const PUBLISH_TIMEOUT_MS = 1500;
let adder: Adder;
let telemetry: Telemetry;
let client: AdderClient;

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: "adder", spanProcessors: [] });
  adder = await startAdder({
    config: loadConfig("adder", { KAFKA_BROKERS: "127.0.0.1:1" }),
    telemetry,
    grpcPort: 0,
    httpPort: 0,
    settings: { publishTimeoutMs: PUBLISH_TIMEOUT_MS },
  });
  client = adderClient(adder.grpcPort);
}, 30_000);
afterAll(async () => {
  client?.close();
  await adder?.stop();
  await telemetry?.shutdown();
}, 30_000);

const producerErrors = async () =>
  metricValue(await scrape(adder.httpPort), "kafka_producer_errors_total", {
    topic: "adder.sums.v1",
  });

describe("with the broker down", () => {
  test("Add fails with UNAVAILABLE within the publish timeout and counts a producer error", async () => {
    const errorsBefore = await producerErrors();
    const started = Date.now();
    const error = await grpcError(callAdd(client, { a: 1, b: 2 }));
    const elapsed = Date.now() - started;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toContain("publishing to adder.sums.v1 failed");
    expect(elapsed).toBeGreaterThanOrEqual(PUBLISH_TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThan(PUBLISH_TIMEOUT_MS + 3000);
    expect(await producerErrors()).toBe(errorsBefore + 1);
    const text = await scrape(adder.httpPort);
    // Counted by lib/kafka's hooks, with the deadline's code as error_type.
    expect(
      metricValue(text, "kafka_producer_errors_total", {
        topic: "adder.sums.v1",
        error_type: "PRODUCE_TIMEOUT",
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, "kafka_messages_produced_total", { topic: "adder.sums.v1" })).toBe(0);
  }, 15_000);

  test("bad input is still INVALID_ARGUMENT, before any publish", async () => {
    const errorsBefore = await producerErrors();
    const error = await grpcError(callAdd(client, { a: 1 }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(await producerErrors()).toBe(errorsBefore);
  }, 15_000);

  test("AddStream fails with UNAVAILABLE", async () => {
    const requests = Array.from({ length: 10 }, (_, i) => ({ a: i, b: i }));
    const error = await grpcError(callAddStream(client, requests));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toContain("publishing to adder.sums.v1 failed");
  }, 15_000);

  test("POST /v1/add answers 503 with a JSON error", async () => {
    const response = await fetch(`http://127.0.0.1:${adder.httpPort}/v1/add`, {
      method: "POST",
      body: JSON.stringify({ a: 1, b: 2 }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe("UNAVAILABLE");
    expect(body.message).toContain("publishing to adder.sums.v1 failed");
  }, 15_000);

  test("/readyz is 503 naming the kafka check, while /healthz stays 200", async () => {
    const ready = await fetch(`http://127.0.0.1:${adder.httpPort}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("not ready");
    expect(body.checks.kafka).not.toBe("ok");
    expect((await fetch(`http://127.0.0.1:${adder.httpPort}/healthz`)).status).toBe(200);
  }, 15_000);
});
