// The narrow contract each client library is adapted to. Everything above it — middleware, DLQ
// routing, commit-after-success, graceful close — is written once in client.ts.
import type {
  AdapterName,
  Admin,
  DeliveryReport,
  KafkaMessage,
  Logger,
  OutgoingMessage,
} from "./port.ts";

export interface DriverProducer {
  /** Reports in the order of `messages`; rejects if any message was not acknowledged. */
  send(messages: OutgoingMessage[]): Promise<DeliveryReport[]>;
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
 * rejection means "do not commit": the driver stops and rejects `done`, unless it is closing.
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

export interface DriverConsumer {
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  /** Stops fetching and leaves the group; must not wait for a `process` call that hangs. */
  close(): Promise<void>;
}

export interface Driver {
  readonly name: AdapterName;
  producer(): Promise<DriverProducer>;
  consumer(options: DriverConsumerOptions, process: ProcessBatch): DriverConsumer;
  admin(): Promise<Admin>;
}

export interface DriverConfig {
  brokers: string[];
  clientId: string;
  logger: Logger;
}
