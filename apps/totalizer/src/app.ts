// The totalizer: counts adder.sums.v1 into a running total in PostgreSQL and serves it over
// gRPC (Totalizer.GetTotal) and REST (GET /v1/total). Assembled by lib/service's skeleton.
import { TOPICS } from "@obs/proto";
import { defineApp, type RunningAppOf } from "@obs/service";
import { startSumConsumer } from "./consumer.ts";
import { totalizerHandlers } from "./grpc.ts";
import { totalizerRoutes } from "./routes.ts";
import { createStore } from "./store.ts";

export const DEFAULT_GROUP_ID = "totalizer";

export interface TotalizerOptions {
  /** Default adder.sums.v1; tests use a topic of their own. */
  topic?: string;
  groupId?: string;
  /** kafka_consumer_lag refresh; default 15 s, one Prometheus scrape. */
  lagIntervalMs?: number;
}

export const totalizerApp = defineApp({
  name: "totalizer",
  service: "totalizer.v1.Totalizer",
  async build({ database, databaseUrl, kafka, logger }, options: TotalizerOptions) {
    const topic = options.topic ?? TOPICS.sums;
    const groupId = options.groupId ?? DEFAULT_GROUP_ID;
    const store = database(createStore(databaseUrl));
    const k = await kafka();
    // Subscribing to a missing topic would leave the consumer idle until a producer creates it.
    await k.topics([topic]);
    const consumer = startSumConsumer({
      ...{ kafka: k, store, topic, groupId, logger, metrics: k.telemetry.metrics },
      lagIntervalMs: options.lagIntervalMs,
    });
    return {
      handlers: totalizerHandlers(store, topic, logger),
      routes: totalizerRoutes(store, topic),
      handle: { topic, groupId, store, kafka: k.kafka, consumer },
      facts: { topic, groupId },
    };
  },
});

export type Totalizer = RunningAppOf<typeof totalizerApp>;

export const startTotalizer = totalizerApp.start;
