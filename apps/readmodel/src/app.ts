// Assembles the read model: Postgres store, Kafka consumer and lag monitor, gRPC and HTTP.
// Everything is owned by the returned handle (not the process-wide shutdown list), so tests
// can run several instances in one process with their own topics, group and ports.
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
import { type ProjectionConsumer, startProjectionConsumer } from "./consumer.ts";
import { withSeedConsumerLag } from "./lag.ts";
import { readModelRoutes } from "./routes.ts";
import { readModelHandlers } from "./service.ts";
import { createStore, type Store } from "./store.ts";

export const SERVICE_NAME = "readmodel.v1.ReadModel";
export const DEFAULT_GROUP_ID = "readmodel";
/** Used only when a topic does not exist yet; an existing topic keeps its partitions. */
export const DEFAULT_PARTITIONS = 3;

export interface ReadModelOptions {
  config: AppConfig;
  telemetry: Telemetry;
  /** ledger.v1.EntryPosted source; default ledger.entry.v1. */
  entriesTopic?: string;
  /** accounts.v1.AccountOpened source; default accounts.account.v1. */
  accountsTopic?: string;
  groupId?: string;
  /** Override config's ports; 0 picks a free one. */
  grpcPort?: number;
  httpPort?: number;
  databaseUrl?: string;
  /** Lag refresh; default 15 s, one Prometheus scrape. */
  lagIntervalMs?: number;
}

export interface ReadModel {
  topics: { entries: string; accounts: string };
  groupId: string;
  grpcPort: number;
  httpPort: number;
  store: Store;
  kafka: Kafka;
  consumer: ProjectionConsumer;
  /** Stops taking traffic, lets the consumer finish and commit its batch, then closes the pool. */
  stop(): Promise<void>;
}

export async function startReadModel(options: ReadModelOptions): Promise<ReadModel> {
  const { config, telemetry } = options;
  const { logger } = telemetry;
  const topics = {
    entries: options.entriesTopic ?? TOPICS.ledgerEntries,
    accounts: options.accountsTopic ?? TOPICS.accounts,
  };
  const groupId = options.groupId ?? DEFAULT_GROUP_ID;
  const store = createStore(
    options.databaseUrl ?? config.databaseUrl ?? databaseUrlFor(config.name),
  );

  const { kafka, hooks } = await createAppKafka(config, telemetry);
  const admin = await kafka.admin();
  // Subscribing to a missing topic would leave the consumer idle until a producer creates it
  // with the broker's defaults; creating it here keeps start-up order irrelevant.
  await admin.createTopics(
    [topics.entries, topics.accounts].map((topic) => ({ topic, partitions: DEFAULT_PARTITIONS })),
  );

  const consumer = startProjectionConsumer({ kafka, store, topics, groupId, logger });
  const stopLag = startLagMonitor({
    admin,
    groupId,
    topics: [topics.entries, topics.accounts],
    metrics: withSeedConsumerLag(hooks.metrics, telemetry.meter),
    intervalMs: options.lagIntervalMs ?? 15_000,
    onError: (error) => logger.warn({ err: error }, "kafka lag poll failed"),
  });

  const proto = loadProto("readmodel");
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
        definition: proto.grpc.readmodel.v1.ReadModel.service,
        implementation: readModelHandlers(store, logger),
      },
      routes: readModelRoutes(store, logger),
      readiness: {
        postgres: answers("postgres ping", () => store.ping()),
        // Metadata of the consumed topics: proves a broker answers and the topics are there.
        kafka: topicsExist(admin, [topics.entries, topics.accounts]),
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
    { grpcPort: servers.grpcPort, httpPort: servers.httpPort, topics, groupId },
    "readmodel started",
  );

  let stopped: Promise<void> | undefined;
  return {
    topics,
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
        // may stay uncommitted; its redelivery is absorbed by the processed_events table.
        await consumer.close();
        await kafka.close();
        await store.close();
        logger.info({ topics, groupId }, "readmodel stopped");
      })();
      return stopped;
    },
  };
}
