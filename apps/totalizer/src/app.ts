// Assembles the totalizer: Postgres store, Kafka consumer and lag monitor, gRPC and HTTP.
// Everything is owned by the returned handle (not the process-wide shutdown list), so tests
// can run several instances in one process with their own topic, group and ports.
import { databaseUrlFor } from "@obs/db";
import { type Kafka, startLagMonitor } from "@obs/kafka";
import type { Telemetry } from "@obs/otel";
import { loadProto, TOPICS } from "@obs/proto";
import {
  type AppConfig,
  type AppServers,
  answers,
  consuming,
  createAppKafka,
  startAppServers,
  topicsExist,
} from "@obs/service";
import { type SumConsumer, startSumConsumer } from "./consumer.ts";
import { totalizerRoutes } from "./routes.ts";
import { totalizerHandlers } from "./service.ts";
import { createStore, type Store } from "./store.ts";

export const SERVICE_NAME = "totalizer.v1.Totalizer";
export const DEFAULT_GROUP_ID = "totalizer";
/** Used only when the topic does not exist yet; an existing topic keeps its partitions. */
export const DEFAULT_PARTITIONS = 3;

export interface TotalizerOptions {
  config: AppConfig;
  telemetry: Telemetry;
  topic?: string;
  groupId?: string;
  /** Override config's ports; 0 picks a free one. */
  grpcPort?: number;
  httpPort?: number;
  databaseUrl?: string;
  /** kafka_consumer_lag refresh; default 15 s, one Prometheus scrape. */
  lagIntervalMs?: number;
}

export interface Totalizer {
  topic: string;
  groupId: string;
  grpcPort: number;
  httpPort: number;
  store: Store;
  kafka: Kafka;
  consumer: SumConsumer;
  /** Stops taking traffic, lets the consumer finish and commit its batch, then closes the pool. */
  stop(): Promise<void>;
}

export async function startTotalizer(options: TotalizerOptions): Promise<Totalizer> {
  const { config, telemetry } = options;
  const { logger } = telemetry;
  const topic = options.topic ?? TOPICS.sums;
  const groupId = options.groupId ?? DEFAULT_GROUP_ID;
  const store = createStore(
    options.databaseUrl ?? config.databaseUrl ?? databaseUrlFor(config.name),
  );

  const { kafka, hooks } = await createAppKafka(config, telemetry);
  const admin = await kafka.admin();
  // Subscribing to a missing topic would leave the consumer idle until a producer creates it
  // with the broker's defaults; creating it here keeps start-up order irrelevant.
  await admin.createTopics([{ topic, partitions: DEFAULT_PARTITIONS }]);

  const consumer = startSumConsumer({
    kafka,
    store,
    topic,
    groupId,
    metrics: hooks.metrics,
    logger,
  });
  const stopLag = startLagMonitor({
    admin,
    groupId,
    topics: [topic],
    metrics: hooks.metrics,
    intervalMs: options.lagIntervalMs ?? 15_000,
    onError: (error) => logger.warn({ err: error }, "kafka lag poll failed"),
  });

  const proto = loadProto("totalizer");
  let servers: AppServers;
  try {
    servers = await startAppServers({
      config,
      telemetry,
      grpcPort: options.grpcPort,
      httpPort: options.httpPort,
      packageDefinition: proto.definition,
      service: {
        name: SERVICE_NAME,
        definition: proto.grpc.totalizer.v1.Totalizer.service,
        implementation: totalizerHandlers(store, topic, logger),
      },
      routes: totalizerRoutes(store, topic, logger),
      readiness: {
        postgres: answers("postgres ping", () => store.ping()),
        // Metadata of the consumed topic: proves a broker answers and the topic is there.
        kafka: topicsExist(admin, [topic]),
        // Joined, fetching and holding partitions: a consumer that failed says so here.
        consumer: consuming(consumer.consumer, admin),
      },
    });
  } catch (error) {
    await stopLag();
    await kafka.close();
    await store.close();
    throw error;
  }
  logger.info(
    { grpcPort: servers.grpcPort, httpPort: servers.httpPort, topic, groupId },
    "totalizer started",
  );

  let stopped: Promise<void> | undefined;
  return {
    topic,
    groupId,
    grpcPort: servers.grpcPort,
    httpPort: servers.httpPort,
    store,
    kafka,
    consumer,
    stop() {
      stopped ??= (async () => {
        await servers.stop();
        await stopLag();
        // Waits for the running batch's transaction, then leaves the group. That batch's offset
        // may stay uncommitted; its redelivery is absorbed by the processed_messages table.
        await consumer.close();
        await kafka.close();
        await store.close();
        logger.info({ topic, groupId }, "totalizer stopped");
      })();
      return stopped;
    },
  };
}
