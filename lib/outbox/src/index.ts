export {
  enqueue,
  enqueueSql,
  notifyChannel,
  type OutboxMessage,
  type OutboxWriter,
  traceHeaders,
} from "./enqueue.ts";
export {
  OUTBOX_LATENCY_BUCKETS_SECONDS,
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxStats,
  type RelayLogger,
  startOutboxRelay,
} from "./relay.ts";
export { OUTBOX_KEY_SHARDS, type OutboxHeaders, type OutboxTable, outboxTable } from "./table.ts";
