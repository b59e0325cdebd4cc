import { afterAll, beforeAll, expect, test } from "bun:test";
// The Kafka instruments through lib/otel's Prometheus exposition, next to the process metrics
// the same /metrics carries: names, labels and buckets as seed 002's PromQL reads them.
import { startTestTelemetry, type TestTelemetry } from "../../otel/test/helpers.ts";
import {
  clientMetrics,
  createKafkaMetrics,
  KAFKA_DELIVERY_LATENCY_BUCKETS_MS,
  type KafkaMetrics,
  stampProducedAt,
} from "../src/index.ts";

let t: TestTelemetry;
let kafka: KafkaMetrics;
beforeAll(() => {
  t = startTestTelemetry({ processMetrics: true });
  kafka = createKafkaMetrics(t.telemetry.meter);
});
afterAll(() => t.telemetry.shutdown());

/** Every sample line must be `name{labels} value`, as Prometheus' text parser requires. */
const LABEL = String.raw`[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"`;
const SAMPLE = new RegExp(
  String.raw`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{${LABEL}(,${LABEL})*\})? (-?[0-9.e+-]+|\+Inf|NaN)$`,
);
function expectValidExposition(body: string) {
  for (const line of body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    expect(line).toMatch(SAMPLE);
  }
}

test("kafka metrics come out under seed 002's names", async () => {
  kafka.produced("adder.sums.v1");
  kafka.produced("adder.sums.v1", 2);
  kafka.consumed("adder.sums.v1");
  kafka.producerError("adder.sums.v1", Object.assign(new Error("x"), { code: "ETIMEDOUT" }));
  kafka.consumerError("adder.sums.v1", "deserialize");
  kafka.deliveryLatency("adder.sums.v1", 42);
  kafka.deliveryLatency("adder.sums.v1", 20_000);
  const observed = kafka.observeDelivery(
    "adder.sums.v1",
    stampProducedAt<Record<string, string>>({}, 1_000_000),
    { now: 1_000_003 },
  );
  expect(observed).toBe(3);
  expect(kafka.observeDelivery("adder.sums.v1", {})).toBeUndefined();
  const lag = kafka.updateConsumerLag(
    "totalizer",
    [
      { topic: "adder.sums.v1", partition: 0, offset: 90n },
      { topic: "adder.sums.v1", partition: 1, offset: "5" },
    ],
    [
      { topic: "adder.sums.v1", partition: 0, offset: 100n },
      { topic: "adder.sums.v1", partition: 1, offset: 5 },
      { topic: "adder.sums.v1", partition: 2, offset: 50 },
    ],
  );
  expect(lag).toEqual([
    { topic: "adder.sums.v1", partition: 0, lag: 10 },
    { topic: "adder.sums.v1", partition: 1, lag: 0 },
  ]);

  const { body } = await t.telemetry.renderMetrics();
  expectValidExposition(body);
  expect(body).toContain('kafka_messages_produced_total{topic="adder.sums.v1"} 3');
  expect(body).toContain('kafka_messages_consumed_total{topic="adder.sums.v1"} 1');
  expect(body).toContain(
    'kafka_producer_errors_total{topic="adder.sums.v1",error_type="ETIMEDOUT"} 1',
  );
  expect(body).toContain(
    'kafka_consumer_errors_total{topic="adder.sums.v1",error_type="deserialize"} 1',
  );
  expect(body).toContain("# TYPE kafka_message_delivery_latency histogram");
  expect(body).not.toContain("kafka_message_delivery_latency_milliseconds");
  expect(body).toContain('kafka_message_delivery_latency_count{topic="adder.sums.v1"} 3');
  expect(body).toContain('kafka_message_delivery_latency_sum{topic="adder.sums.v1"} 20045');
  const buckets = [
    ...body.matchAll(
      /kafka_message_delivery_latency_bucket\{topic="adder.sums.v1",le="([^"]+)"\} (\d+)/g,
    ),
  ].map((m) => [m[1], Number(m[2])]);
  expect(buckets.map((b) => b[0])).toEqual([
    ...KAFKA_DELIVERY_LATENCY_BUCKETS_MS.map(String),
    "+Inf",
  ]);
  // Cumulative: 3 ms lands in le=5, 42 in le=50, 20 s only in +Inf.
  expect(Object.fromEntries(buckets)).toMatchObject({
    "1": 0,
    "5": 1,
    "50": 2,
    "10000": 2,
    "+Inf": 3,
  });

  expect(body).toContain("# TYPE kafka_consumer_lag gauge");
  expect(body).toContain(
    'kafka_consumer_lag{consumer_group="totalizer",topic="adder.sums.v1",partition="0"} 10',
  );
  expect(body).not.toContain('partition="2"');
});

test("which Kafka client runs, and librdkafka's statistics, come out as metrics", async () => {
  const hooks = clientMetrics(t.telemetry.meter);
  hooks.onClient({
    adapter: "librdkafka",
    producer: "librdkafka 2.15.1",
    consumer: "@platformatic/kafka 2.12.1",
  });
  const window = (p99: number) => ({ avg: p99 / 2, p99, cnt: 10 });
  const broker = {
    name: "127.0.0.1:19092/1",
    nodeid: 1,
    state: "UP",
    outbuf_msg_cnt: 0,
    waitresp_msg_cnt: 2,
    tx: 40,
    txerrs: 1,
    txretries: 3,
    req_timeouts: 0,
    rtt: window(2_500),
    int_latency: window(900),
  };
  hooks.onStatistics({
    name: "adder#producer-1",
    client_id: "adder",
    type: "producer",
    msg_cnt: 7,
    msg_size: 700,
    msg_max: 100_000,
    msg_size_max: 1 << 30,
    txmsgs: 1234,
    txmsg_bytes: 123_400,
    brokers: {
      "127.0.0.1:19092/bootstrap": { ...broker, name: "127.0.0.1:19092/bootstrap", nodeid: -1 },
      "127.0.0.1:19092/1": broker,
    },
  });
  const { body } = await t.telemetry.renderMetrics();
  expectValidExposition(body);
  expect(body).toContain(
    'kafka_client_info{client="librdkafka",producer="librdkafka 2.15.1",consumer="@platformatic/kafka 2.12.1"} 1',
  );
  const instance = 'client_name="adder#producer-1"';
  expect(body).toContain(`kafka_librdkafka_queue_messages{${instance}} 7`);
  expect(body).toContain(`kafka_librdkafka_queue_bytes{${instance}} 700`);
  expect(body).toContain(`kafka_librdkafka_messages_sent_total{${instance}} 1234`);
  const perBroker = `{${instance},broker="1"}`;
  expect(body).toContain(`kafka_librdkafka_broker_up${perBroker} 1`);
  expect(body).toContain(`kafka_librdkafka_broker_rtt_p99_seconds${perBroker} 0.0025`);
  expect(body).toContain(`kafka_librdkafka_broker_internal_latency_p99_seconds${perBroker} 0.0009`);
  expect(body).toContain(`kafka_librdkafka_broker_request_errors_total${perBroker} 1`);
  expect(body).toContain(`kafka_librdkafka_broker_request_retries_total${perBroker} 3`);
  // The bootstrap address is not a broker.
  expect(body).not.toContain('broker="-1"');
});

test("process and runtime metrics", async () => {
  // monitorEventLoopDelay takes its first sample two 10 ms intervals after it is enabled; a
  // shorter wait (as before) made the event-loop gauges absent whenever the tests above ran fast.
  await Bun.sleep(60);
  const { body } = await t.telemetry.renderMetrics();
  expectValidExposition(body);
  expect(body).toContain("# TYPE process_cpu_seconds_total counter");
  expect(body).toMatch(/^process_cpu_seconds_total \d+(\.\d+)?$/m);
  expect(body).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
  expect(body).toMatch(/^process_start_time_seconds 1\d{9}(\.\d+)?$/m);
  expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
  expect(body).toMatch(/^nodejs_heap_size_used_bytes [1-9]\d*$/m);
  expect(body).toContain("target_info{");
  expect(body).toContain('service_name="otel-test"');
  expect(body).toContain('process_runtime_name="bun"');
  // Scope labels are switched off so PromQL sees only the instrument's own labels.
  expect(body).not.toContain("otel_scope_name");
});

test("metricsHandler serves the same text as a fetch Response", async () => {
  const response = await t.telemetry.metricsHandler();
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  expect(await response.text()).toContain("kafka_messages_produced_total");
});

test.skipIf(!Bun.which("promtool"))("promtool accepts the exposition", async () => {
  kafka.produced("adder.sums.v1");
  const { body } = await t.telemetry.renderMetrics();
  const check = Bun.spawnSync(["promtool", "check", "metrics"], { stdin: Buffer.from(body) });
  expect(check.stderr.toString() + check.stdout.toString()).toBe("");
  expect(check.exitCode).toBe(0);
});
