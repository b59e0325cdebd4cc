// Liveness of the consumers as metrics, read from each consumer's status() at collection time:
// a consumer that stopped fetching shows within one scrape, whatever the lag monitor says.
//   kafka_consumer_running{consumer_group}             1 while it runs, 0 while it reconnects
//   kafka_consumer_assigned_partitions{consumer_group} partitions it holds
//   kafka_consumer_restarts_total{consumer_group}      clients re-created after a failure
// Several consumers of one group in one process (tests) add up; a closed consumer drops out.
import { type Meter, metrics } from "@opentelemetry/api";
import type { Consumer } from "../port.ts";

export const METRIC_KAFKA_CONSUMER_RUNNING = "kafka.consumer.running";
export const METRIC_KAFKA_CONSUMER_ASSIGNED_PARTITIONS = "kafka.consumer.assigned_partitions";
export const METRIC_KAFKA_CONSUMER_RESTARTS = "kafka.consumer.restarts";

const SCOPE = "@obs/kafka";

interface GroupFigures {
  running: number;
  assigned: number;
  restarts: number;
}

/** Returns the `onConsumer` hook that registers each consumer for the three instruments. */
export function consumerStatusMetrics(
  meter: Meter = metrics.getMeter(SCOPE),
): (consumer: Consumer) => void {
  const consumers = new Set<Consumer>();

  function perGroup(): Map<string, GroupFigures> {
    const groups = new Map<string, GroupFigures>();
    for (const consumer of consumers) {
      const status = consumer.status();
      if (status.state === "closed") {
        consumers.delete(consumer);
        continue;
      }
      const figures = groups.get(status.groupId) ?? { running: 0, assigned: 0, restarts: 0 };
      figures.running += status.state === "running" ? 1 : 0;
      figures.assigned += status.assignment.length;
      figures.restarts += status.restarts;
      groups.set(status.groupId, figures);
    }
    return groups;
  }

  const running = meter.createObservableGauge(METRIC_KAFKA_CONSUMER_RUNNING, {
    description: "Consumers of the group in this process that are running (joined and fetching).",
    unit: "{consumer}",
  });
  const assigned = meter.createObservableGauge(METRIC_KAFKA_CONSUMER_ASSIGNED_PARTITIONS, {
    description: "Partitions assigned to the group's consumers in this process.",
    unit: "{partition}",
  });
  const restarts = meter.createObservableCounter(METRIC_KAFKA_CONSUMER_RESTARTS, {
    description: "Consumer clients re-created after a failure (broker outage, fetch errors).",
    unit: "{restart}",
  });
  meter.addBatchObservableCallback(
    (result) => {
      for (const [group, figures] of perGroup()) {
        const attributes = { consumer_group: group };
        result.observe(running, figures.running, attributes);
        result.observe(assigned, figures.assigned, attributes);
        result.observe(restarts, figures.restarts, attributes);
      }
    },
    [running, assigned, restarts],
  );

  return (consumer) => {
    consumers.add(consumer);
  };
}
