// Assembles the ledger: Postgres store, Kafka producer and the outbox relay, gRPC and HTTP.
// Everything is owned by the returned handle (not the process-wide shutdown list), so tests
// can run several instances in one process with their own topic and ports.
import { databaseUrlFor } from "@obs/db";
import type { Admin, Kafka } from "@obs/kafka";
import type { Telemetry } from "@obs/otel";
import { type OutboxRelay, type OutboxRelayOptions, startOutboxRelay } from "@obs/outbox";
import { dlqTopic, loadProto, TOPICS } from "@obs/proto";
import {
  type AppConfig,
  type AppServers,
  answers,
  createAppKafka,
  startAppServers,
  topicsExist,
  warmUpProducer,
  withTimeout,
} from "@obs/service";
import { createLedger, type Ledger } from "./ledger.ts";
import { ledgerRoutes } from "./routes.ts";
import { outbox } from "./schema.ts";
import { ledgerHandlers } from "./service.ts";
import { createStore, type Store } from "./store.ts";

export const SERVICE_NAME = "ledger.v1.Ledger";
/** Used only when the topic does not exist yet; an existing topic keeps its partitions. */
export const TOPIC_PARTITIONS = 3;

export interface LedgerOptions {
  config: AppConfig;
  telemetry: Telemetry;
  topic?: string;
  /** Override config's ports; 0 picks a free one. */
  grpcPort?: number;
  httpPort?: number;
  databaseUrl?: string;
  /** Tuning of the outbox relay (batch size, poll interval, timeouts). */
  relay?: Partial<Omit<OutboxRelayOptions, "sql" | "table" | "producer">>;
}

export interface LedgerApp {
  topic: string;
  grpcPort: number;
  httpPort: number;
  store: Store;
  ledger: Ledger;
  kafka: Kafka;
  relay: OutboxRelay;
  /** Stops taking traffic, lets the relay finish its pass, then closes Kafka and the pool. */
  stop(): Promise<void>;
}

/**
 * Creates the topic and its DLQ (idempotent). A broker that is down at start-up does not stop
 * the ledger: postings still commit to the outbox, this keeps trying in the background, and
 * /readyz says not ready meanwhile.
 */
function ensureTopics(admin: Admin, topic: string, telemetry: Telemetry) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const attempt = async (): Promise<void> => {
    try {
      await withTimeout(
        admin.createTopics(
          [topic, dlqTopic(topic)].map((t) => ({ topic: t, partitions: TOPIC_PARTITIONS })),
        ),
        5_000,
        "createTopics",
      );
    } catch (error) {
      telemetry.logger.warn({ err: error, topic }, "cannot create Kafka topics yet; retrying");
      if (!stopped) timer = setTimeout(attempt, 5_000);
    }
  };
  return {
    first: attempt(),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export async function startLedger(options: LedgerOptions): Promise<LedgerApp> {
  const { config, telemetry } = options;
  const { logger } = telemetry;
  const topic = options.topic ?? TOPICS.ledgerEntries;
  const store = createStore(
    options.databaseUrl ?? config.databaseUrl ?? databaseUrlFor(config.name),
  );
  const { kafka } = await createAppKafka(config, telemetry);
  const admin = await kafka.admin();
  const topics = ensureTopics(admin, topic, telemetry);
  await topics.first;
  const producer = await kafka.producer();
  const warm = warmUpProducer(producer, [topic], { logger });
  await warm.settle();

  const relay = startOutboxRelay({
    sql: store.relaySql,
    table: outbox,
    producer,
    tracer: telemetry.tracer,
    meter: telemetry.meter,
    logger,
    ...options.relay,
  });
  const ledger = createLedger({
    store,
    topic,
    entriesCreated: telemetry.meter.createCounter("ledger_entries_created", {
      description: "Ledger entries committed (idempotent replays not counted).",
    }),
    logger,
  });

  const proto = loadProto("ledger");
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
        definition: proto.grpc.ledger.v1.Ledger.service,
        implementation: ledgerHandlers(ledger, logger),
      },
      routes: ledgerRoutes(ledger),
      readiness: {
        postgres: answers("postgres ping", () => store.ping()),
        // Metadata of the published topic: a broker answers and the topic is there.
        kafka: topicsExist(admin, [topic]),
        producer: warm.readiness,
      },
    });
  } catch (error) {
    warm.stop();
    topics.stop();
    await relay.stop();
    await kafka.close();
    await store.close();
    throw error;
  }
  logger.info({ grpcPort: servers.grpcPort, httpPort: servers.httpPort, topic }, "ledger started");

  let stopped: Promise<void> | undefined;
  return {
    topic,
    grpcPort: servers.grpcPort,
    httpPort: servers.httpPort,
    store,
    ledger,
    kafka,
    relay,
    stop() {
      stopped ??= (async () => {
        await servers.stop();
        warm.stop();
        topics.stop();
        // Rows it does not get to stay pending for the next ledger instance (or this one).
        await relay.stop();
        await kafka.close();
        await store.close();
        logger.info({ topic }, "ledger stopped");
      })();
      return stopped;
    },
  };
}
