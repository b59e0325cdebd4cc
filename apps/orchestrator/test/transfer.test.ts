// Validation, the request fingerprint and the upstream verdicts, without servers.
import { describe, expect, test } from "bun:test";
import { Metadata, status } from "@grpc/grpc-js";
import { isTransientDbError } from "@obs/db";
import { AppError, GrpcStatus } from "@obs/service";
import { storedError } from "../src/errors.ts";
import {
  accountError,
  checkCurrencies,
  entryFor,
  entryMatches,
  ledgerVerdict,
} from "../src/posting.ts";
import {
  parseAmount,
  parseTransferRequest,
  requestHash,
  type TransferRequest,
  transferJson,
} from "../src/transfer.ts";

const valid = {
  from_account_id: "a",
  to_account_id: "b",
  amount_minor: 5000,
  currency: "USD",
  idempotency_key: "k-1",
};

function rejection(body: unknown): string {
  try {
    parseTransferRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    return (error as AppError).message;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

const grpcError = (code: status, details: string) =>
  Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });

describe("parseTransferRequest", () => {
  test("accepts a valid body and normalises the amount to bigint", () => {
    expect(parseTransferRequest(valid)).toEqual({
      fromAccountId: "a",
      toAccountId: "b",
      amountMinor: 5000n,
      currency: "USD",
      idempotencyKey: "k-1",
    });
    // gRPC hands int64 over as a decimal string.
    expect(
      parseTransferRequest({ ...valid, amount_minor: "9223372036854775807" }).amountMinor,
    ).toBe(2n ** 63n - 1n);
  });

  test.each([
    ["not an object", [1], "body must be a JSON object"],
    ["null", null, "body must be a JSON object"],
    ["missing key", { ...valid, idempotency_key: undefined }, "idempotency_key is required"],
    ["empty key", { ...valid, idempotency_key: "" }, "idempotency_key is required"],
    [
      "key over 200 chars",
      { ...valid, idempotency_key: "k".repeat(201) },
      "idempotency_key must be at most 200 characters",
    ],
    ["numeric key", { ...valid, idempotency_key: 7 }, "idempotency_key must be a string"],
    ["missing from", { ...valid, from_account_id: "" }, "from_account_id is required"],
    ["missing to", { ...valid, to_account_id: undefined }, "to_account_id is required"],
    ["from = to", { ...valid, to_account_id: "a" }, "must be different accounts"],
    ["zero", { ...valid, amount_minor: 0 }, "amount_minor must be positive"],
    ["negative", { ...valid, amount_minor: -5 }, "amount_minor must be positive"],
    ["negative string", { ...valid, amount_minor: "-5" }, "amount_minor must be positive"],
    ["fraction", { ...valid, amount_minor: 1.5 }, "amount_minor must be an integer"],
    ["unsafe number", { ...valid, amount_minor: 2 ** 60 }, "send it as a decimal string"],
    ["over int64", { ...valid, amount_minor: "9223372036854775808" }, "out of the int64 range"],
    ["words", { ...valid, amount_minor: "ten" }, "must be a decimal integer"],
    ["boolean", { ...valid, amount_minor: true }, "must be an integer or a decimal string"],
    ["missing amount", { ...valid, amount_minor: undefined }, "amount_minor is required"],
    ["missing currency", { ...valid, currency: "" }, "currency is required"],
    ["unknown currency", { ...valid, currency: "XYZ" }, "ISO 4217"],
    ["lower-case currency", { ...valid, currency: "usd" }, "ISO 4217"],
    ["long currency", { ...valid, currency: "USDT" }, "ISO 4217"],
  ])("%s is INVALID_ARGUMENT", (_, body, message) => {
    expect(rejection(body)).toContain(message);
  });

  test("a 200-character key is accepted", () => {
    expect(
      parseTransferRequest({ ...valid, idempotency_key: "k".repeat(200) }).idempotencyKey,
    ).toHaveLength(200);
  });

  test("parseAmount trims a decimal string", () => {
    expect(parseAmount(" 42 ")).toBe(42n);
  });
});

describe("requestHash", () => {
  const base = parseTransferRequest(valid);

  test('is the same for 5000 and "5000" and ignores the key', () => {
    const again = parseTransferRequest({
      ...valid,
      amount_minor: "5000",
      idempotency_key: "other",
    });
    expect(requestHash(again)).toBe(requestHash(base));
    expect(requestHash(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ["amount", { amount_minor: 5001 }],
    ["currency", { currency: "EUR" }],
    ["from", { from_account_id: "c" }],
    ["to", { to_account_id: "c" }],
  ])("changes with the %s", (_, change) => {
    expect(requestHash(parseTransferRequest({ ...valid, ...change }))).not.toBe(requestHash(base));
  });

  test("cannot be fooled by moving characters between fields", () => {
    const one = parseTransferRequest({ ...valid, from_account_id: "ab", to_account_id: "c" });
    const two = parseTransferRequest({ ...valid, from_account_id: "a", to_account_id: "bc" });
    expect(requestHash(one)).not.toBe(requestHash(two));
  });
});

describe("posting", () => {
  const request: TransferRequest = parseTransferRequest(valid);
  const usd = (id: string, min?: string) => ({
    account_id: id,
    currency: "USD",
    ...(min !== undefined ? { min_balance_minor: min } : {}),
  });

  test("the entry debits from (with its limit) and credits to, under the transfer id", () => {
    expect(entryFor("t-1", request, usd("a", "0"))).toEqual({
      entry_id: "t-1",
      lines: [
        { account_id: "a", currency: "USD", amount_minor: "-5000", min_balance_minor: "0" },
        { account_id: "b", currency: "USD", amount_minor: "5000" },
      ],
      description: "transfer t-1",
    });
    // No limit on the account: none on the line.
    expect(entryFor("t-1", request, usd("a")).lines[0]).not.toHaveProperty("min_balance_minor");
  });

  test("entryMatches compares accounts and amounts, not limits", () => {
    const entry = entryFor("t-1", request, usd("a", "0"));
    expect(entryMatches(entry, request)).toBe(true);
    expect(entryMatches(entryFor("t-1", request, usd("a", "-100")), request)).toBe(true);
    expect(entryMatches(entry, { ...request, amountMinor: 1n })).toBe(false);
    expect(entryMatches(entry, { ...request, toAccountId: "c" })).toBe(false);
  });

  test("a currency mismatch on either side is FAILED_PRECONDITION", () => {
    expect(() => checkCurrencies(request, usd("a"), usd("b"))).not.toThrow();
    const eur = { account_id: "b", currency: "EUR" };
    expect(() => checkCurrencies(request, usd("a"), eur)).toThrow("holds EUR, not USD");
    try {
      checkCurrencies(request, eur, usd("b"));
    } catch (error) {
      expect((error as AppError).code).toBe(GrpcStatus.FAILED_PRECONDITION);
    }
  });

  test("accounts: NOT_FOUND stays, INVALID_ARGUMENT stays, the rest is UNAVAILABLE", () => {
    expect(accountError(grpcError(status.NOT_FOUND, "x"), "a").code).toBe(GrpcStatus.NOT_FOUND);
    expect(accountError(grpcError(status.INVALID_ARGUMENT, "bad id"), "a").code).toBe(
      GrpcStatus.INVALID_ARGUMENT,
    );
    for (const code of [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL])
      expect(accountError(grpcError(code, "x"), "a").code).toBe(GrpcStatus.UNAVAILABLE);
    expect(accountError(new Error("boom"), "a").code).toBe(GrpcStatus.UNAVAILABLE);
  });

  test("ledger: refusals settle the transfer, anything uncertain keeps it pending", () => {
    const insufficient = ledgerVerdict(grpcError(status.FAILED_PRECONDITION, "insufficient funds"));
    expect(insufficient.kind).toBe("rejected");
    if (insufficient.kind === "rejected") {
      expect(insufficient.error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
      expect(insufficient.error.message).toBe("insufficient funds");
    }
    expect(ledgerVerdict(grpcError(status.INVALID_ARGUMENT, "x")).kind).toBe("rejected");
    expect(ledgerVerdict(grpcError(status.ALREADY_EXISTS, "x")).kind).toBe("exists");
    for (const code of [
      status.UNAVAILABLE,
      status.DEADLINE_EXCEEDED,
      status.INTERNAL,
      status.UNKNOWN,
      status.UNIMPLEMENTED,
    ]) {
      const verdict = ledgerVerdict(grpcError(code, "x"));
      expect(verdict.kind).toBe("unknown");
      if (verdict.kind === "unknown") expect(verdict.error.code).toBe(GrpcStatus.UNAVAILABLE);
    }
  });
});

describe("errors and views", () => {
  test("a stored failure comes back as the same status; an unknown name is INTERNAL", () => {
    const error = storedError("FAILED_PRECONDITION", "insufficient funds");
    expect(error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error.message).toBe("insufficient funds");
    expect(storedError("SOMETHING_NEW", "x").code).toBe(GrpcStatus.INTERNAL);
  });

  test("transferJson writes int64 as a string and the time as RFC 3339", () => {
    const json = transferJson({
      transferId: "t",
      fromAccountId: "a",
      toAccountId: "b",
      amountMinor: 2n ** 63n - 1n,
      currency: "USD",
      idempotencyKey: "k",
      entryId: "t",
      createdAt: new Date("2025-01-02T03:04:05.678Z"),
    });
    expect(json.amount_minor).toBe("9223372036854775807");
    expect(json.created_at).toBe("2025-01-02T03:04:05.678Z");
  });

  test("transient database errors are told from bugs", () => {
    expect(isTransientDbError({ code: "ECONNREFUSED" })).toBe(true);
    expect(isTransientDbError({ code: "CONNECT_TIMEOUT" })).toBe(true);
    expect(isTransientDbError({ code: "55P03" })).toBe(true);
    expect(isTransientDbError({ code: "40001" })).toBe(true);
    expect(isTransientDbError({ code: "23514" })).toBe(false);
    expect(isTransientDbError(new TypeError("x"))).toBe(false);
    // drizzle wraps the driver's error: a restart's 57P01 and a refused connection came out
    // as INTERNAL 500s before the cause was looked at.
    const wrapped = (code: string) =>
      Object.assign(new Error("Failed query: select …"), {
        cause: Object.assign(new Error("x"), { code }),
      });
    expect(isTransientDbError(wrapped("57P01"))).toBe(true);
    expect(isTransientDbError(wrapped("ECONNREFUSED"))).toBe(true);
    expect(isTransientDbError(wrapped("23514"))).toBe(false);
  });
});
