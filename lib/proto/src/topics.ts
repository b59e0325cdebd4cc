// Kafka topics and the event each carries. A poison record goes to `<topic>.dlq`.
export const TOPICS = {
  /** adder.v1.SumMessage, keyed by message id. */
  sums: "adder.sums.v1",
  /** ledger.v1.EntryPosted, keyed by account. */
  ledgerEntries: "ledger.entry.v1",
  /** accounts.v1.AccountOpened, keyed by account id. */
  accounts: "accounts.account.v1",
} as const;

export const dlqTopic = (topic: string) => `${topic}.dlq`;
