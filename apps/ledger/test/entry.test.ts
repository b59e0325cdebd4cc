// The ledger's rules without a database.
import { describe, expect, test } from "bun:test";
import { AppError, GrpcStatus } from "@obs/service";
import { type Account, applyLines, fingerprint, parseEntry } from "../src/entry.ts";

const line = (account_id: string, amount_minor: unknown, extra: Record<string, unknown> = {}) => ({
  account_id,
  currency: "EUR",
  amount_minor,
  ...extra,
});

function codeOf(work: () => unknown): number | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

describe("parseEntry", () => {
  test("a balanced entry, int64 as strings or numbers", () => {
    const entry = parseEntry({
      entry_id: "e1",
      lines: [
        line("a", "-9007199254740993", { min_balance_minor: "-10" }),
        line("b", 9007199254740993n.toString()),
      ],
    });
    expect(entry).toEqual({
      entryId: "e1",
      description: "",
      lines: [
        { accountId: "a", currency: "EUR", amountMinor: -9007199254740993n, minBalanceMinor: -10n },
        { accountId: "b", currency: "EUR", amountMinor: 9007199254740993n, minBalanceMinor: null },
      ],
    });
    expect(
      parseEntry({ entry_id: "e", lines: [line("a", -5), line("b", 5)] }).lines[1]?.amountMinor,
    ).toBe(5n);
  });

  test("sums to zero per currency, across several currencies", () => {
    const entry = parseEntry({
      entry_id: "fx",
      lines: [
        line("a", -100),
        line("b", 100),
        { account_id: "c", currency: "USD", amount_minor: "-7" },
        { account_id: "d", currency: "USD", amount_minor: "7" },
      ],
    });
    expect(entry.lines).toHaveLength(4);
  });

  const bad: [string, unknown][] = [
    ["not an object", [1, 2]],
    ["no entry_id", { lines: [line("a", -1), line("b", 1)] }],
    ["an empty entry_id", { entry_id: " ", lines: [line("a", -1), line("b", 1)] }],
    ["one line", { entry_id: "e", lines: [line("a", 0)] }],
    ["no lines", { entry_id: "e" }],
    ["a zero amount", { entry_id: "e", lines: [line("a", 0), line("b", 0)] }],
    ["a fractional amount", { entry_id: "e", lines: [line("a", "-1.5"), line("b", "1.5")] }],
    [
      "an unsafe JSON number",
      { entry_id: "e", lines: [line("a", -(2 ** 60)), line("b", 2 ** 60)] },
    ],
    [
      "an amount beyond int64",
      {
        entry_id: "e",
        lines: [line("a", "-9223372036854775809"), line("b", "9223372036854775809")],
      },
    ],
    ["lines that do not sum to zero", { entry_id: "e", lines: [line("a", -5), line("b", 4)] }],
    [
      "an unknown currency",
      {
        entry_id: "e",
        lines: [
          { ...line("a", -1), currency: "ABC" },
          { ...line("b", 1), currency: "ABC" },
        ],
      },
    ],
    [
      "a lowercase currency",
      {
        entry_id: "e",
        lines: [
          { ...line("a", -1), currency: "eur" },
          { ...line("b", 1), currency: "eur" },
        ],
      },
    ],
    ["no account", { entry_id: "e", lines: [line("", -1), line("b", 1)] }],
    [
      "a bad min_balance_minor",
      { entry_id: "e", lines: [line("a", -1, { min_balance_minor: "x" }), line("b", 1)] },
    ],
    [
      "a description that is not a string",
      { entry_id: "e", description: 5, lines: [line("a", -1), line("b", 1)] },
    ],
  ];
  for (const [what, request] of bad)
    test(`${what} is INVALID_ARGUMENT`, () => {
      expect(codeOf(() => parseEntry(request))).toBe(GrpcStatus.INVALID_ARGUMENT);
    });
});

describe("applyLines", () => {
  const accounts = (...list: Account[]) => new Map(list.map((a) => [a.accountId, a]));
  const eur = (accountId: string, balanceMinor: bigint): Account => ({
    accountId,
    currency: "EUR",
    balanceMinor,
  });
  const lines = (min: bigint | null, amount = 100n) =>
    parseEntry({
      entry_id: "e",
      lines: [
        line("a", String(-amount), min === null ? {} : { min_balance_minor: String(min) }),
        line("b", String(amount)),
      ],
    }).lines;

  test("moves the balances", () => {
    const after = applyLines(accounts(eur("a", 150n), eur("b", 0n)), lines(0n));
    expect(after.get("a")?.balanceMinor).toBe(50n);
    expect(after.get("b")?.balanceMinor).toBe(100n);
  });

  test("no min_balance_minor means no limit", () => {
    expect(
      applyLines(accounts(eur("a", 0n), eur("b", 0n)), lines(null)).get("a")?.balanceMinor,
    ).toBe(-100n);
  });

  test("down to exactly the minimum is allowed; one below is insufficient funds", () => {
    expect(
      applyLines(accounts(eur("a", 100n), eur("b", 0n)), lines(0n)).get("a")?.balanceMinor,
    ).toBe(0n);
    expect(() => applyLines(accounts(eur("a", 99n), eur("b", 0n)), lines(0n))).toThrow(
      /insufficient funds/,
    );
    expect(codeOf(() => applyLines(accounts(eur("a", 99n), eur("b", 0n)), lines(0n)))).toBe(
      GrpcStatus.FAILED_PRECONDITION,
    );
    // An overdraft limit.
    expect(
      applyLines(accounts(eur("a", 0n), eur("b", 0n)), lines(-100n)).get("a")?.balanceMinor,
    ).toBe(-100n);
  });

  test("an account in another currency is FAILED_PRECONDITION", () => {
    const usd: Account = { accountId: "b", currency: "USD", balanceMinor: 0n };
    expect(codeOf(() => applyLines(accounts(eur("a", 500n), usd), lines(null)))).toBe(
      GrpcStatus.FAILED_PRECONDITION,
    );
  });
});

describe("fingerprint", () => {
  test("same content, same print; any change, another", () => {
    const base = { entry_id: "e", description: "d", lines: [line("a", -5), line("b", 5)] };
    const print = fingerprint(parseEntry(base));
    expect(fingerprint(parseEntry({ ...base, lines: [line("a", "-5"), line("b", "5")] }))).toBe(
      print,
    );
    expect(fingerprint(parseEntry({ ...base, description: "other" }))).not.toBe(print);
    expect(fingerprint(parseEntry({ ...base, lines: [line("a", -6), line("b", 6)] }))).not.toBe(
      print,
    );
  });
});
