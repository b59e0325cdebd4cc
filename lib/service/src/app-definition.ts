// What an app declares and what the skeleton (./skeleton.ts) gives it: types only, so the
// skeleton and the helpers it hands out (./app-kafka.ts) can both use them.
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import type {
  Admin,
  Consumer,
  ConsumerOptions,
  Kafka,
  KafkaMetrics,
  KafkaTelemetry,
  Producer,
  TopicSpec,
} from "@obs/kafka";
import type { Logger, Telemetry } from "@obs/otel";
import type { OutboxRelay, OutboxRelayOptions } from "@obs/outbox";
import type { ProtoName } from "@obs/proto";
import type { Hono } from "hono";
import type { AppName } from "./apps.ts";
import type { AppConfig } from "./config.ts";
import type { ReadinessCheck } from "./http.ts";
import type { Resources } from "./resources.ts";

/** How every app is started: by main.ts from the environment, by tests on ports of their own. */
export interface StartOptions {
  config: AppConfig;
  telemetry: Telemetry;
  /** Override config's ports; 0 picks a free one (tests). */
  grpcPort?: number;
  httpPort?: number;
  /** Override config's DATABASE_URL (tests use a database of their own). */
  databaseUrl?: string;
}

/** What `build` works with. Whatever it acquires it hands to `resources.own`. */
export interface AppContext {
  name: AppName;
  config: AppConfig;
  telemetry: Telemetry;
  logger: Logger;
  resources: Resources;
  /** The start option, else DATABASE_URL, else the app's database in the local cluster. */
  databaseUrl: string;
  /**
   * Adds a named /readyz check: one the app's requests need, or with `background` one for work
   * beside them (reported as `degraded`, never 503; see Readiness).
   */
  ready(name: string, check: ReadinessCheck, options?: { background?: boolean }): void;
  /**
   * Owns the app's database store (closed with the app) and checks it in /readyz (`postgres`),
   * each check bounded by `timeoutMs` (default 3 s).
   */
  database<S extends Store>(store: S, timeoutMs?: number): S;
  /** The app's Kafka client, created (and owned) on first use. */
  kafka(): Promise<AppKafka>;
}

export interface AppParts<Handle> {
  /** The handlers of the app's one gRPC service. */
  handlers: UntypedServiceImplementation;
  routes?: Hono;
  /** What tests and main.ts see of the running app, beside its ports and stop(). */
  handle: Handle;
  /** Logged with "<name> started". */
  facts?: Record<string, unknown>;
}

export interface AppDefinition<Options, Handle> {
  name: AppName & ProtoName;
  /** Fully qualified gRPC service name, e.g. "totalizer.v1.Totalizer". */
  service: string;
  build(ctx: AppContext, options: Options): Promise<AppParts<Handle>>;
}

/** What every app's store offers the skeleton. */
export interface Store {
  /** Throws when the database is unreachable. */
  ping(): Promise<unknown>;
  close(): Promise<unknown>;
}

/** The running app a definition starts: `RunningAppOf<typeof totalizerApp>`. */
export type RunningAppOf<D> =
  D extends AppDefinition<infer _Options, infer Handle> ? RunningApp<Handle> : never;

export type RunningApp<Handle> = Handle & {
  grpcPort: number;
  httpPort: number;
  /** Stops taking traffic, then closes what the app holds, last acquired first. Idempotent. */
  stop(): Promise<void>;
};

export interface LagOptions {
  /** Default 15 s, one Prometheus scrape. */
  intervalMs?: number;
  /** Where the lag goes; default the telemetry's Kafka instruments. */
  metrics?: KafkaMetrics;
}

export interface AppKafka {
  kafka: Kafka;
  admin: Admin;
  telemetry: KafkaTelemetry;
  /**
   * Creates the topics that do not exist, with DEFAULT_PARTITIONS (3) unless `options` say
   * otherwise; an existing one keeps its partitions. The first
   * attempt is awaited; if the broker is away it goes on in the background and /readyz
   * (`kafka`) stays not ready until every topic the app declared exists.
   */
  topics(names: string[], options?: Omit<TopicSpec, "topic">): Promise<void>;
  /** A consumer, its state in /readyz (`consumer`) and, with `lag`, kafka_consumer_lag. */
  consumer<T>(options: ConsumerOptions<T> & { lag?: LagOptions }): Consumer;
  /** Exports the lag of a group the app does not run itself (the producer side of a topic). */
  watchLag(groupId: string, topics: string[], options?: LagOptions): void;
  /** A producer connected ahead of its first send; /readyz (`producer`) until it is. */
  producer(topics: string[]): Promise<Producer>;
  /**
   * Publishes the app's outbox to `topic`: creates it and its DLQ (with `partitions`, so the
   * consumers do not get the broker's default), connects a producer, and starts the relay.
   * Its state is the background /readyz check `outbox`: degraded, never 503 (see Readiness).
   */
  outbox(options: OutboxOptions): Promise<OutboxRelay>;
}

/** What an app that publishes an outbox takes: its topic and the relay's tuning. */
export interface OutboxAppOptions {
  /** Where the outbox goes; tests use a topic of their own. */
  topic?: string;
  /** Tuning of the relay (batch size, poll interval: a NOTIFY wakes it at once anyway). */
  relay?: OutboxOptions["relay"];
}

export interface OutboxOptions {
  topic: string;
  partitions?: number;
  /** The relay's pool and table (lib/outbox). */
  sql: OutboxRelayOptions["sql"];
  table: OutboxRelayOptions["table"];
  /** Tuning of the relay (batch size, poll interval, timeouts). */
  relay?: Partial<Omit<OutboxRelayOptions, "sql" | "table" | "producer">>;
}
