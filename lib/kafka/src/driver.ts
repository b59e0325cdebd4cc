// The narrow contract each client library is adapted to. Everything above it — middleware, DLQ
// routing, commit-after-success, graceful close — is written once in client.ts.
import type {
  AdapterName,
  Admin,
  DeliveryReport,
  KafkaMessage,
  LibrdkafkaStatistics,
  Logger,
  OutgoingMessage,
  TopicPartition,
} from "./port.ts";

export interface DriverProducer {
  /** Reports in the order of `messages`; rejects if any message was not acknowledged. */
  send(messages: OutgoingMessage[]): Promise<DeliveryReport[]>;
  /** Connection, metadata of `topics` and the idempotent session, ahead of the first send. */
  connect(topics: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Messages of one topic-partition, in offset order. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

/**
 * Called per partition batch. The driver commits (last offset + 1) only after it resolves; a
 * rejection means "do not commit": the driver stops and rejects `done`, unless it is closing
 * (the port then re-creates it, and the batch is redelivered from the committed offset).
 */
export type ProcessBatch = (batch: PartitionBatch) => Promise<void>;

export interface DriverConsumerOptions {
  clientId: string;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  /** Partition batches processed at once; each is committed after its own process() call. */
  partitionConcurrency: number;
}

/**
 * One client's life: the port creates a new one after `done` rejects. A driver does not retry
 * a broken client itself beyond its library's own retries: it fails `done` and releases it.
 */
export interface DriverConsumer {
  /** Resolves once the client has joined the group; rejects if it could not. */
  readonly ready: Promise<void>;
  /** Resolves after close(); rejects when the client failed (stream error, lost connection). */
  readonly done: Promise<void>;
  /** Partitions the client holds now. */
  assignment(): TopicPartition[];
  /** Stops fetching and leaves the group; must not wait for a `process` call that hangs. */
  close(): Promise<void>;
}

/** What the port lets a driver's producer report beyond its sends. */
export interface ProducerHooks {
  onStatistics?: (statistics: LibrdkafkaStatistics) => void;
}

export interface Driver {
  readonly name: AdapterName;
  /** Library and version of producers and of consumers ("name version"). */
  readonly libraries: { producer: string; consumer: string };
  producer(hooks?: ProducerHooks): Promise<DriverProducer>;
  consumer(options: DriverConsumerOptions, process: ProcessBatch): DriverConsumer;
  admin(): Promise<Admin>;
}

export interface DriverConfig {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** librdkafka properties; only the librdkafka adapter reads them. */
  librdkafka?: Record<string, string>;
}
