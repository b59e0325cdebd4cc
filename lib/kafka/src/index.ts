export { DeadLetterError, DLQ_HEADERS, defaultDeadLetterTopic } from "./dead-letter.ts";
export { KafkaProduceError, type KafkaProduceErrorOptions } from "./errors.ts";
export { headerText } from "./headers.ts";
export * from "./instrumentation/index.ts";
export { consoleLogger } from "./logger.ts";
export { partitionForKey } from "./partitioner.ts";
export type * from "./port.ts";
export { type AdapterChoice, chooseAdapter, createKafka } from "./select.ts";
