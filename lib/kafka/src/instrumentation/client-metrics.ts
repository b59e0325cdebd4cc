// Which Kafka client an app runs, and what librdkafka says about itself (statistics.interval.ms),
// read at collection time from the latest report of each producer instance:
//   kafka_client_info{client,producer,consumer}                              1
//   kafka_librdkafka_queue_messages{client_name}                             waiting for a report
//   kafka_librdkafka_queue_bytes{client_name}
//   kafka_librdkafka_messages_sent_total{client_name}                        sent to brokers
//   kafka_librdkafka_broker_up{client_name,broker}                           1 while connected
//   kafka_librdkafka_broker_rtt_p99_seconds{client_name,broker}              request round trip
//   kafka_librdkafka_broker_internal_latency_p99_seconds{client_name,broker} time queued before it
//   kafka_librdkafka_broker_request_errors_total{client_name,broker}
//   kafka_librdkafka_broker_request_retries_total{client_name,broker}
//   kafka_librdkafka_broker_request_timeouts_total{client_name,broker}
// client_name is librdkafka's instance name ("adder#producer-1"): not `instance`, which is the
// label Prometheus gives every target. An instance that stopped reporting drops out after
// STALE_MS.
import { type Attributes, type Meter, metrics } from "@opentelemetry/api";
import type { BrokerStatistics, LibrdkafkaStatistics } from "../librdkafka/statistics.ts";
import type { KafkaClientInfo } from "../port.ts";

const SCOPE = "@obs/kafka";
const STALE_MS = 60_000;
const MICROSECONDS = 1e6;

export const METRIC_KAFKA_CLIENT_INFO = "kafka.client.info";

interface Report {
  statistics: LibrdkafkaStatistics;
  at: number;
}

export interface ClientMetrics {
  onClient: (info: KafkaClientInfo) => void;
  onStatistics: (statistics: LibrdkafkaStatistics) => void;
}

/** Brokers by node id; "…/bootstrap" entries (node id -1) are the seed addresses, not brokers. */
function brokersOf(statistics: LibrdkafkaStatistics): BrokerStatistics[] {
  return Object.values(statistics.brokers ?? {}).filter((broker) => broker.nodeid >= 0);
}

export function clientMetrics(meter: Meter = metrics.getMeter(SCOPE)): ClientMetrics {
  const clients = new Map<string, KafkaClientInfo>();
  const reports = new Map<string, Report>();

  meter
    .createObservableGauge(METRIC_KAFKA_CLIENT_INFO, {
      description: "1 per Kafka client library combination this process runs.",
    })
    .addCallback((result) => {
      for (const info of clients.values()) {
        result.observe(1, {
          client: info.adapter,
          producer: info.producer,
          consumer: info.consumer,
        });
      }
    });

  const gauge = (name: string, description: string, unit: string) =>
    meter.createObservableGauge(name, { description, unit });
  const counter = (name: string, description: string, unit: string) =>
    meter.createObservableCounter(name, { description, unit });
  const queueMessages = gauge(
    "kafka.librdkafka.queue.messages",
    "Messages librdkafka holds that have no delivery report yet.",
    "{message}",
  );
  const queueBytes = gauge(
    "kafka.librdkafka.queue.bytes",
    "Bytes of the messages librdkafka holds that have no delivery report yet.",
    "By",
  );
  const sent = counter(
    "kafka.librdkafka.messages.sent",
    "Messages librdkafka sent to brokers (retries included).",
    "{message}",
  );
  const up = gauge("kafka.librdkafka.broker.up", "1 while connected to the broker.", "1");
  const rtt = gauge(
    "kafka.librdkafka.broker.rtt.p99.seconds",
    "99th percentile of request round trips to the broker in the last statistics window.",
    "s",
  );
  const internal = gauge(
    "kafka.librdkafka.broker.internal_latency.p99.seconds",
    "99th percentile of the time messages waited in librdkafka before their request was sent.",
    "s",
  );
  const errors = counter(
    "kafka.librdkafka.broker.request.errors",
    "Requests to the broker that failed.",
    "{request}",
  );
  const retries = counter(
    "kafka.librdkafka.broker.request.retries",
    "Requests to the broker sent again.",
    "{request}",
  );
  const timeouts = counter(
    "kafka.librdkafka.broker.request.timeouts",
    "Requests to the broker that timed out.",
    "{request}",
  );

  meter.addBatchObservableCallback(
    (result) => {
      const now = Date.now();
      for (const [name, report] of reports) {
        if (now - report.at > STALE_MS) {
          reports.delete(name);
          continue;
        }
        const { statistics } = report;
        const instance: Attributes = { client_name: statistics.name };
        result.observe(queueMessages, statistics.msg_cnt, instance);
        result.observe(queueBytes, statistics.msg_size, instance);
        result.observe(sent, statistics.txmsgs, instance);
        for (const broker of brokersOf(statistics)) {
          const attributes = { ...instance, broker: String(broker.nodeid) };
          result.observe(up, broker.state === "UP" ? 1 : 0, attributes);
          result.observe(rtt, (broker.rtt?.p99 ?? 0) / MICROSECONDS, attributes);
          result.observe(internal, (broker.int_latency?.p99 ?? 0) / MICROSECONDS, attributes);
          result.observe(errors, broker.txerrs, attributes);
          result.observe(retries, broker.txretries, attributes);
          result.observe(timeouts, broker.req_timeouts, attributes);
        }
      }
    },
    [queueMessages, queueBytes, sent, up, rtt, internal, errors, retries, timeouts],
  );

  return {
    onClient: (info) => {
      clients.set(`${info.adapter}\0${info.producer}\0${info.consumer}`, info);
    },
    onStatistics: (statistics) => {
      reports.set(statistics.name, { statistics, at: Date.now() });
    },
  };
}
