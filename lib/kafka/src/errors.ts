// Errors of the port, whatever client raised them, so callers can tell a message the cluster
// refused for good from one worth sending again.

export interface KafkaProduceErrorOptions {
  /** The client's or the protocol's error name, e.g. `MSG_SIZE_TOO_LARGE`, `_MSG_TIMED_OUT`. */
  code: string;
  /** Sending the same message again may succeed (broker away, leader moving, timed out). */
  retriable: boolean;
  /** The producer is unusable; it is replaced, and what it held failed. */
  fatal?: boolean;
  topic?: string;
  cause?: unknown;
}

/** A message was not acknowledged by the cluster. */
export class KafkaProduceError extends Error {
  override readonly name = "KafkaProduceError";
  readonly code: string;
  readonly retriable: boolean;
  readonly fatal: boolean;
  readonly topic?: string;

  constructor(message: string, options: KafkaProduceErrorOptions) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.retriable = options.retriable;
    this.fatal = options.fatal ?? false;
    this.topic = options.topic;
  }
}
