// What the consumer projects and what it dead-letters, without a broker.
import { describe, expect, test } from "bun:test";
import type { KafkaMessage } from "@obs/kafka";
import { PoisonMessageError } from "@obs/proto";
import { decodeAccountOpened, decodeEntryPosted, eventDecoder } from "../src/events.ts";
import { accountCodec, accountOpened, entryCodec, TestLedger } from "./support.ts";

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("decodeEntryPosted", () => {
  test("an EntryPosted as the ledger writes it", () => {
    const ledger = new TestLedger("EUR");
    const event = ledger.transfer("a", "b", 9_007_199_254_740_993n);
    const decoded = decodeEntryPosted(entryCodec.encode(event));
    expect(decoded).toEqual({
      kind: "entry",
      eventId: event.event_id as string,
      entryId: event.entry?.entry_id as string,
      description: "test entry",
      postedAt: new Date(Date.UTC(2026, 0, 1) + 1_001),
      lines: [
        {
          accountId: "a",
          currency: "EUR",
          amountMinor: -9_007_199_254_740_993n,
          balanceAfterMinor: -9_007_199_254_740_993n,
        },
        {
          accountId: "b",
          currency: "EUR",
          amountMinor: 9_007_199_254_740_993n,
          balanceAfterMinor: 9_007_199_254_740_993n,
        },
      ],
    });
  });

  test("several lines of one account are netted into one statement line", () => {
    const ledger = new TestLedger();
    const event = ledger.post([
      ["fees", 3],
      ["payer", -103],
      ["payee", 100],
      ["fees", -3],
      ["fees", 3],
    ]);
    const lines = decodeEntryPosted(entryCodec.encode(event)).lines;
    expect(lines.map((l) => [l.accountId, l.amountMinor, l.balanceAfterMinor])).toEqual([
      ["fees", 3n, 3n],
      ["payee", 100n, 100n],
      ["payer", -103n, -103n],
    ]);
  });

  test("without entry.posted_at the event's occurred_at is the posting time", () => {
    const event = new TestLedger().transfer("a", "b", 1);
    if (!event.entry) throw new Error("no entry");
    event.entry.posted_at = null;
    event.occurred_at = { seconds: "1800000000", nanos: 123_000_000 };
    expect(decodeEntryPosted(entryCodec.encode(event)).postedAt).toEqual(
      new Date(1_800_000_000_123),
    );
  });

  const valid = () => new TestLedger().transfer("a", "b", 5);
  const poison: [string, () => Buffer | null][] = [
    ["not JSON", () => Buffer.from("this is not an EntryPosted")],
    ["an empty value", () => null],
    ["JSON of another shape", () => json({ a: 1 })],
    ["schema_version 2", () => entryCodec.encode({ ...valid(), schema_version: 2 })],
    ["schema_version 0 (unset)", () => entryCodec.encode({ ...valid(), schema_version: 0 })],
    ["no event_id", () => entryCodec.encode({ ...valid(), event_id: "" })],
    ["no entry", () => entryCodec.encode({ ...valid(), entry: null })],
    [
      "no entry_id",
      () => {
        const e = valid();
        return entryCodec.encode({ ...e, entry: { ...e.entry, entry_id: "" } });
      },
    ],
    [
      "no lines",
      () => {
        const e = valid();
        return entryCodec.encode({ ...e, entry: { ...e.entry, lines: [] } });
      },
    ],
    [
      "a line without account",
      () => {
        const e = valid();
        const lines = e.entry?.lines?.map((l, i) => (i === 0 ? { ...l, account_id: "" } : l));
        return entryCodec.encode({ ...e, entry: { ...e.entry, lines } });
      },
    ],
    [
      "lines that do not sum to zero",
      () => {
        const e = valid();
        const lines = e.entry?.lines?.map((l, i) => (i === 0 ? { ...l, amount_minor: "-4" } : l));
        return entryCodec.encode({ ...e, entry: { ...e.entry, lines } });
      },
    ],
    [
      "a touched account missing from balances_after",
      () => entryCodec.encode({ ...valid(), balances_after: valid().balances_after?.slice(1) }),
    ],
    [
      "no posting time at all",
      () => {
        const e = valid();
        return entryCodec.encode({
          ...e,
          occurred_at: null,
          entry: { ...e.entry, posted_at: null },
        });
      },
    ],
    [
      "an amount that is not an integer",
      () => {
        const e = valid();
        const value = JSON.parse(entryCodec.encode(e).toString());
        value.entry.lines[0].amount_minor = "1.5";
        return json(value);
      },
    ],
  ];
  for (const [what, value] of poison) {
    test(`${what} is a PoisonMessageError`, () => {
      expect(() => decodeEntryPosted(value())).toThrow(PoisonMessageError);
    });
  }
});

describe("decodeAccountOpened", () => {
  test("an AccountOpened as the accounts service writes it", () => {
    const event = accountOpened("acct-1", "JPY");
    expect(decodeAccountOpened(accountCodec.encode(event))).toEqual({
      kind: "account",
      eventId: event.event_id as string,
      accountId: "acct-1",
      currency: "JPY",
    });
  });

  const poison: [string, () => Buffer][] = [
    ["schema_version 2", () => accountCodec.encode({ ...accountOpened("x"), schema_version: 2 })],
    ["no event_id", () => accountCodec.encode({ ...accountOpened("x"), event_id: "" })],
    ["no account", () => accountCodec.encode({ ...accountOpened("x"), account: null })],
    ["no account_id", () => accountCodec.encode(accountOpened(""))],
    ["no currency", () => accountCodec.encode(accountOpened("x", ""))],
  ];
  for (const [what, value] of poison) {
    test(`${what} is a PoisonMessageError`, () => {
      expect(() => decodeAccountOpened(value())).toThrow(PoisonMessageError);
    });
  }
});

describe("eventDecoder", () => {
  const decode = eventDecoder({ entries: "e", accounts: "a" });
  const message = (topic: string, value: Buffer): KafkaMessage => ({
    topic,
    partition: 0,
    offset: 0n,
    key: null,
    value,
    headers: {},
    timestamp: Date.now(),
  });

  test("picks the decoder by topic", () => {
    const entry = entryCodec.encode(new TestLedger().transfer("a", "b", 1));
    const account = accountCodec.encode(accountOpened("x"));
    expect(decode(message("e", entry)).kind).toBe("entry");
    expect(decode(message("a", account)).kind).toBe("account");
    // An AccountOpened on the entries topic is not an EntryPosted.
    expect(() => decode(message("e", account))).toThrow(PoisonMessageError);
    expect(() => decode(message("other", entry))).toThrow(PoisonMessageError);
  });
});
