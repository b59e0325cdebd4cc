// The Kafka port: everything services see. It names no client library, so an adapter can be
// swapped at start-up and a decorator (tracing, metrics) can wrap any of them.

import type { LibrdkafkaStatistics } from "./librdkafka/statistics.ts";

/**
 * - `librdkafka`: librdkafka's C library through bun:ffi for producing, platformatic for
 *   consuming and admin (Bun);
 * - `confluent`: @confluentinc/kafka-javascript, librdkafka's Node.js addon (Node.js);
 * - `platformatic`: @platformatic/kafka, pure TypeScript (anywhere).
 */
export type AdapterName = "librdkafka" | "confluent" | "platformatic";

/** Which libraries a Kafka instance runs, for logs and `kafka_client_info`. */
export interface KafkaClientInfo {
  adapter: AdapterName;
  /** Library and version behind producers, e.g. "librdkafka 2.15.1". */
  producer: string;
  /** Library and version behind consumers and admin, e.g. "@platformatic/kafka 2.12.1". */
  consumer: string;
}

export type { LibrdkafkaStatistics };

/** Header values as sent. Received headers are always Buffers: the wire does not say which. */
export type HeaderValue = string | Buffer;
export type OutgoingHeaders = Record<string, HeaderValue>;
/** Kafka allows repeated header keys; here the last one wins. */
export type ReceivedHeaders = Record<string, Buffer>;

export interface OutgoingMessage {
  topic: string;
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: OutgoingHeaders;
  /** Leave unset: keyed messages go to the Java-compatible murmur2 partition of their key. */
  partition?: number;
  /** Milliseconds since the epoch; the client's clock when unset. */
  timestamp?: number;
}

export interface DeliveryReport {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface KafkaMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReceivedHeaders;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** What a handler (and a middleware) knows about the message beyond its content. */
export interface MessageContext {
  groupId: string;
  /** A signal aborted when the consumer is closing: long handlers may stop early. */
  signal: AbortSignal;
}

export type MessageHandler<T> = (
  payload: T,
  message: KafkaMessage,
  context: MessageContext,
) => Promise<void> | void;

export interface DecodedMessage<T> {
  payload: T;
  message: KafkaMessage;
}

/**
 * A batch holds messages of one topic-partition, in offset order. Decode failures are routed to
 * the DLQ one by one before the handler runs. If the handler throws, the batch is split in
 * halves and each half handled again, down to single messages: only a message that fails on its
 * own goes to the DLQ, and its batch-mates are applied. So a handler must be idempotent and
 * all-or-nothing per call (one transaction), and must retry transient failures itself: what it
 * throws is taken as "these messages cannot be applied".
 */
export type BatchHandler<T> = (
  batch: DecodedMessage<T>[],
  context: MessageContext & { topic: string; partition: number },
) => Promise<void> | void;

export type Decoder<T> = (message: KafkaMessage) => T;

/** Where a failed message went, for metrics and logs. */
export interface DeadLetterEvent {
  message: KafkaMessage;
  groupId: string;
  dlqTopic: string;
  stage: "decode" | "handler";
  error: unknown;
  report: DeliveryReport;
}

export interface ConsumerOptions<T> {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. Default: earliest. */
  fromBeginning?: boolean;
  /** Turns raw messages into payloads; a throw sends the message to the DLQ. */
  decode?: Decoder<T>;
  /** Exactly one of the two. */
  eachMessage?: MessageHandler<T>;
  eachBatch?: BatchHandler<T>;
  /** DLQ topic name for a source topic. Default `<topic>.dlq`; `false` disables the DLQ. */
  deadLetterTopic?: ((topic: string) => string) | false;
  sessionTimeoutMs?: number;
  /**
   * Partition batches of one fetch handled at once (KafkaJS' partitionsConsumedConcurrently).
   * Default 1. Order within a partition is kept either way; above 1 the handler must tolerate
   * concurrent calls for different partitions (e.g. lock rows in a fixed order).
   */
  partitionConcurrency?: number;
  /** How long `close()` waits for a running handler before abandoning it uncommitted. */
  closeTimeoutMs?: number;
  /**
   * After the client fails (broker gone, fetch errors, lost group), it is re-created after a
   * delay that doubles from `initialMs` (default 500) up to `maxMs` (default 5000), for as long
   * as the consumer is not closed. It resumes from the group's committed offsets.
   */
  reconnect?: { initialMs?: number; maxMs?: number };
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * - `starting`: the client is connecting and joining the group;
 * - `running`: it joined and fetches (its assignment may still be empty, e.g. mid-rebalance);
 * - `reconnecting`: it failed and waits to be re-created (`lastError` says why);
 * - `stopped`: it gave up for good (a failure with no DLQ configured; `done` rejected);
 * - `closed`: `close()` was called.
 */
export type ConsumerState = "starting" | "running" | "reconnecting" | "stopped" | "closed";

export interface ConsumerStatus {
  groupId: string;
  topics: string[];
  state: ConsumerState;
  /** Partitions this member holds now; empty unless running. */
  assignment: TopicPartition[];
  /** Epoch ms of the last state change. */
  since: number;
  /** Epoch ms since the assignment has been empty while running; undefined otherwise. */
  unassignedSince?: number;
  /** Times the client was re-created after a failure. */
  restarts: number;
  /** The failure behind the current `reconnecting` or `stopped` state. */
  lastError?: string;
}

export interface Consumer {
  readonly groupId: string;
  /** Resolves once the consumer has joined the group for the first time. */
  readonly ready: Promise<void>;
  /**
   * Settles when the consumer stops for good: resolves after close(), rejects when it gave up
   * (state `stopped`). A failing client is re-created instead (state `reconnecting`).
   */
  readonly done: Promise<void>;
  /** What the consumer is doing now: for readiness checks, metrics and logs. */
  status(): ConsumerStatus;
  close(): Promise<void>;
}

export interface Producer {
  /** Sends in one batch; reports are in the order of `messages`. Rejects if any failed. */
  send(messages: OutgoingMessage[]): Promise<DeliveryReport[]>;
  /**
   * Connects, fetches the metadata of `topics` and sets up the idempotent session, so the first
   * send costs what the others do. Resolves when done; rejects if the broker cannot be reached
   * (call it again to retry). Sending without it works too: it then happens on the first send.
   */
  connect(topics: string[]): Promise<void>;
  /**
   * Sends handed to the client library and not settled yet (acknowledged or failed), and how
   * long the oldest has waited: what tells a producer that stalled from one that is idle.
   * Counted beneath every middleware, so a caller's own deadline does not hide a send that
   * never came back.
   */
  pending(): PendingSends;
  close(): Promise<void>;
}

export interface PendingSends {
  sends: number;
  /** Milliseconds the oldest unsettled send has waited; 0 when there is none. */
  oldestMs: number;
}

export interface TopicSpec {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  config?: Record<string, string>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** -1n when the group has never committed on this partition. */
  committed: bigint;
  highWatermark: bigint;
  /** highWatermark - committed; the whole partition (from its low watermark) when uncommitted. */
  lag: bigint;
}

export interface Admin {
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: TopicSpec[]): Promise<void>;
  /** Deletes the topics that exist; missing ones are ignored. */
  deleteTopics(topics: string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Partition count of each topic that exists. */
  partitionCounts(topics: string[]): Promise<Map<string, number>>;
  /** Members of a consumer group as the coordinator sees them (0 for an unknown group). */
  groupMembers(groupId: string): Promise<number>;
  lag(groupId: string, topics: string[]): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

/**
 * Wraps every send: a decorator may add headers (trace context) before calling `next` and
 * observe the reports or the error after it.
 */
export type ProduceMiddleware = (
  messages: OutgoingMessage[],
  next: (messages: OutgoingMessage[]) => Promise<DeliveryReport[]>,
) => Promise<DeliveryReport[]>;

/**
 * Wraps the processing of one message by an `eachMessage` consumer: decode and handler (so a
 * span around `next` covers both). `next` rejects with the decode or handler error; the
 * consumer then sends the message to the DLQ after the whole chain has returned, and reports
 * it through `onDeadLetter`. An error the middleware throws itself counts as a handler failure.
 */
export type ConsumeMiddleware = (
  message: KafkaMessage,
  context: MessageContext,
  next: () => Promise<void>,
) => Promise<void>;

/** The same for an `eachBatch` consumer: one call per partition batch. */
export type ConsumeBatchMiddleware = (
  messages: KafkaMessage[],
  context: MessageContext,
  next: () => Promise<void>,
) => Promise<void>;

export interface KafkaHooks {
  produce?: ProduceMiddleware[];
  consume?: ConsumeMiddleware[];
  consumeBatch?: ConsumeBatchMiddleware[];
  onDeadLetter?: (event: DeadLetterEvent) => void;
  /** Called with errors the client surfaces outside any call (e.g. a consumer that failed). */
  onError?: (error: unknown) => void;
  /** Called once per consumer created, for metrics that read its `status()` while it lives. */
  onConsumer?: (consumer: Consumer) => void;
  /** Called once with the client's libraries (also when the hook is added later by `use`). */
  onClient?: (info: KafkaClientInfo) => void;
  /** librdkafka producers' statistics, every `statistics.interval.ms` (5 s by default). */
  onStatistics?: (statistics: LibrdkafkaStatistics) => void;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** Overrides the automatic choice; the `KAFKA_CLIENT` environment variable does too. */
  adapter?: AdapterName;
  logger?: Logger;
  hooks?: KafkaHooks;
  /**
   * librdkafka properties for its producers (CONFIGURATION.md), over this project's defaults
   * (idempotent, acks=all, linger.ms=0); LIBRDKAFKA_PROPERTIES="name=value,…" wins over both.
   */
  librdkafka?: Record<string, string>;
}

/** The port. One instance per service; close it on shutdown. */
export interface Kafka {
  readonly adapter: AdapterName;
  readonly client: KafkaClientInfo;
  producer(): Promise<Producer>;
  consumer<T = KafkaMessage>(options: ConsumerOptions<T>): Consumer;
  admin(): Promise<Admin>;
  /** Adds middleware after construction (for decorators that are set up later). */
  use(hooks: KafkaHooks): void;
  /** Closes every producer, consumer and admin client created through this instance. */
  close(): Promise<void>;
}
