// Assembles the accounts service: Postgres store, the outbox relay that publishes
// AccountOpened to Kafka, gRPC and HTTP. Everything is owned by the returned handle (not the
// process-wide shutdown list), so tests can run instances in one process with their own topic
// and ports.
import { databaseUrlFor } from "@obs/db";
import type { Admin, Kafka, Producer } from "@obs/kafka";
import type { Telemetry } from "@obs/otel";
import { type OutboxRelay, startOutboxRelay } from "@obs/outbox";
import { dlqTopic, loadProto, TOPICS } from "@obs/proto";
import {
  type AppConfig,
  type AppServers,
  answers,
  createAppKafka,
  type ProducerWarmUp,
  startAppServers,
  topicsExist,
  warmUpProducer,
} from "@obs/service";
import { accountsRoutes } from "./routes.ts";
import { outbox } from "./schema.ts";
import { accountsHandlers } from "./service.ts";
import { createStore, type Store } from "./store.ts";

export const SERVICE_NAME = "accounts.v1.Accounts";
/** Used only when the topics do not exist yet; existing ones keep their partitions. */
export const DEFAULT_PARTITIONS = 3;

export interface AccountsOptions {
  config: AppConfig;
  telemetry: Telemetry;
  /** Where AccountOpened goes; default accounts.account.v1. */
  topic?: string;
  /** Override config's ports; 0 picks a free one. */
  grpcPort?: number;
  httpPort?: number;
  databaseUrl?: string;
  /** Relay fallback poll; NOTIFY wakes it at once anyway. */
  relayPollIntervalMs?: number;
}

export interface Accounts {
  topic: string;
  grpcPort: number;
  httpPort: number;
  store: Store;
  kafka: Kafka;
  relay: OutboxRelay;
  /** Stops taking traffic, lets the relay finish its pass, then closes Kafka and the pool. */
  stop(): Promise<void>;
}

export async function startAccounts(options: AccountsOptions): Promise<Accounts> {
  const { config, telemetry } = options;
  const { logger } = telemetry;
  const topic = options.topic ?? TOPICS.accounts;
  const store = createStore(
    options.databaseUrl ?? config.databaseUrl ?? databaseUrlFor(config.name),
  );

  let kafka: Kafka | undefined;
  let relay: OutboxRelay | undefined;
  let servers: AppServers;
  let admin: Admin;
  let producer: Producer;
  let warm: ProducerWarmUp | undefined;
  try {
    kafka = (await createAppKafka(config, telemetry)).kafka;
    admin = await kafka.admin();
    // Consumers subscribe to the topic and its DLQ before anything is published; letting the
    // first send auto-create them would give them the broker's default partition count.
    await admin.createTopics([
      { topic, partitions: DEFAULT_PARTITIONS },
      { topic: dlqTopic(topic), partitions: DEFAULT_PARTITIONS },
    ]);
    producer = await kafka.producer();
    warm = warmUpProducer(producer, [topic], { logger });
    await warm.settle();

    relay = startOutboxRelay({
      sql: store.relaySql,
      table: outbox,
      producer,
      tracer: telemetry.tracer,
      meter: telemetry.meter,
      logger,
      ...(options.relayPollIntervalMs === undefined
        ? {}
        : { pollIntervalMs: options.relayPollIntervalMs }),
    });

    const proto = loadProto("accounts");
    servers = await startAppServers({
      config,
      telemetry,
      grpcPort: options.grpcPort,
      httpPort: options.httpPort,
      packageDefinition: proto.definition,
      service: {
        name: SERVICE_NAME,
        definition: proto.grpc.accounts.v1.Accounts.service,
        implementation: accountsHandlers(store, topic, logger),
      },
      routes: accountsRoutes(store, topic, logger),
      readiness: {
        postgres: answers("postgres ping", () => store.ping()),
        // Metadata of the event topic: proves a broker answers and the topic is there.
        kafka: topicsExist(admin, [topic]),
        producer: warm.readiness,
      },
    });
  } catch (error) {
    warm?.stop();
    await relay?.stop();
    await kafka?.close();
    await store.close();
    throw error;
  }
  logger.info(
    { grpcPort: servers.grpcPort, httpPort: servers.httpPort, topic },
    "accounts started",
  );

  let stopped: Promise<void> | undefined;
  const running = { servers, relay, kafka, warm };
  return {
    topic,
    grpcPort: servers.grpcPort,
    httpPort: servers.httpPort,
    store,
    kafka,
    relay,
    stop() {
      stopped ??= (async () => {
        await running.servers.stop();
        running.warm.stop();
        // Rows it does not get to stay pending and are published by the next start.
        await running.relay.stop();
        await running.kafka.close();
        await store.close();
        logger.info({ topic }, "accounts stopped");
      })();
      return stopped;
    },
  };
}
