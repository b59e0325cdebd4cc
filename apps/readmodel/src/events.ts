// What the read model consumes: ledger.v1.EntryPosted and accounts.v1.AccountOpened, turned
// into the rows it projects. Anything it cannot project correctly is a PoisonMessageError, so
// the port dead-letters it (`<topic>.dlq`) and the consumer goes on with the next record,
// rather than stalling the partition or writing a guess into the balances.
import type { KafkaMessage } from "@obs/kafka";
import { epochMsOf, eventCodec, PoisonMessageError } from "@obs/proto";
// Generated types by path: @obs/proto exports only its index, and these are types only.
import type { AccountOpened } from "@obs/proto/gen/accounts/v1/AccountOpened.ts";
import type { Timestamp } from "@obs/proto/gen/google/protobuf/Timestamp.ts";
import type { EntryPosted } from "@obs/proto/gen/ledger/v1/EntryPosted.ts";

/** The only event version this consumer understands (seed 000: others go to the DLQ). */
export const SCHEMA_VERSION = 1;

const entryCodec = eventCodec<EntryPosted>("ledger.v1.EntryPosted");
const accountCodec = eventCodec<AccountOpened>("accounts.v1.AccountOpened");

/** One account's share of an entry: its lines netted, with the balance the ledger computed. */
export interface EntryLine {
  accountId: string;
  currency: string;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
}

export interface EntryEvent {
  kind: "entry";
  eventId: string;
  entryId: string;
  description: string;
  /** Millisecond precision: statement cursors carry it as a JSON number. */
  postedAt: Date;
  /** One per account, sorted by account id. */
  lines: EntryLine[];
}

export interface AccountEvent {
  kind: "account";
  eventId: string;
  accountId: string;
  currency: string;
}

export type ReadModelEvent = EntryEvent | AccountEvent;

function poison(type: string, problem: string): never {
  throw new PoisonMessageError(`${type}: ${problem}`);
}

function checkVersion(type: string, version: number): void {
  if (version !== SCHEMA_VERSION)
    poison(type, `schema_version ${version} is not supported (expected ${SCHEMA_VERSION})`);
}

function toDate(timestamp: Timestamp | null): Date | undefined {
  const ms = epochMsOf(timestamp);
  return ms === undefined ? undefined : new Date(ms);
}

/**
 * EntryPosted → EntryEvent. Beyond the codec's shape check, the event must carry what the
 * projection relies on: an event_id (without it a redelivery cannot be recognised), an entry
 * with an id and lines that balance per currency (the ledger's own invariant: a projection of
 * an unbalanced entry would break "all balances sum to zero"), a posting time, and the
 * balance after the entry of every account it touches (statement lines show it).
 */
export function decodeEntryPosted(value: Buffer | null): EntryEvent {
  const type = entryCodec.typeName;
  const body = entryCodec.decode(value);
  checkVersion(type, body.schema_version);
  if (!body.event_id) poison(type, "event_id is missing");
  const entry = body.entry;
  if (!entry) poison(type, "entry is missing");
  if (!entry.entry_id) poison(type, "entry.entry_id is missing");
  if (entry.lines.length === 0) poison(type, "entry.lines is empty");
  const postedAt = toDate(entry.posted_at) ?? toDate(body.occurred_at);
  if (!postedAt) poison(type, "entry.posted_at (and occurred_at) is missing");

  const balancesAfter = new Map(body.balances_after.map((b) => [b.account_id, b] as const));
  const perCurrency = new Map<string, bigint>();
  const perAccount = new Map<string, EntryLine>();
  for (const [i, line] of entry.lines.entries()) {
    if (!line.account_id) poison(type, `entry.lines[${i}].account_id is missing`);
    if (!line.currency) poison(type, `entry.lines[${i}].currency is missing`);
    const amount = BigInt(line.amount_minor);
    perCurrency.set(line.currency, (perCurrency.get(line.currency) ?? 0n) + amount);
    const seen = perAccount.get(line.account_id);
    if (seen) {
      if (seen.currency !== line.currency)
        poison(type, `account ${line.account_id} has lines in two currencies`);
      seen.amountMinor += amount;
      continue;
    }
    const after = balancesAfter.get(line.account_id);
    if (!after) poison(type, `balances_after has no balance for account ${line.account_id}`);
    perAccount.set(line.account_id, {
      accountId: line.account_id,
      currency: line.currency,
      amountMinor: amount,
      balanceAfterMinor: BigInt(after.balance_minor),
    });
  }
  for (const [currency, sum] of perCurrency)
    if (sum !== 0n) poison(type, `lines in ${currency} sum to ${sum}, not zero`);

  return {
    kind: "entry",
    eventId: body.event_id,
    entryId: entry.entry_id,
    description: entry.description,
    postedAt,
    lines: [...perAccount.values()].sort((a, b) => compare(a.accountId, b.accountId)),
  };
}

/** AccountOpened → AccountEvent: the account's id and currency are all the projection needs. */
export function decodeAccountOpened(value: Buffer | null): AccountEvent {
  const type = accountCodec.typeName;
  const body = accountCodec.decode(value);
  checkVersion(type, body.schema_version);
  if (!body.event_id) poison(type, "event_id is missing");
  if (!body.account?.account_id) poison(type, "account.account_id is missing");
  if (!body.account.currency) poison(type, "account.currency is missing");
  return {
    kind: "account",
    eventId: body.event_id,
    accountId: body.account.account_id,
    currency: body.account.currency,
  };
}

/** Decodes by the topic a record came from; the topic names are configurable (tests). */
export function eventDecoder(topics: {
  entries: string;
  accounts: string;
}): (message: KafkaMessage) => ReadModelEvent {
  return (message) => {
    if (message.topic === topics.entries) return decodeEntryPosted(message.value);
    if (message.topic === topics.accounts) return decodeAccountOpened(message.value);
    throw new PoisonMessageError(`no decoder for topic ${message.topic}`);
  };
}

/** Code-unit order, the same as Postgres' "C" collation and stable across locales. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
