// The opening rules on their own: no database or broker needed.
import { expect, test } from "bun:test";
import { GrpcStatus, statusOf } from "@obs/service";
import { isAccountId, parseCurrency, parseMinBalance, parseOpenAccount } from "../src/account.ts";

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return statusOf(error);
  }
  throw new Error("accepted");
}

test("currencies are uppercase ISO 4217 codes known to Intl", () => {
  for (const code of ["USD", "EUR", "JPY", "CHF", "XAU"]) expect(parseCurrency(code)).toBe(code);
  for (const code of ["usd", "Usd", "ABC", "US", "USDD", " USD", "", null, undefined, 840]) {
    expect(refusal(() => parseCurrency(code))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
  }
});

test("min_balance_minor is an optional int64", () => {
  expect(parseMinBalance(undefined)).toBeNull();
  expect(parseMinBalance(null)).toBeNull();
  expect(parseMinBalance("-5000")).toBe(-5000n);
  expect(parseMinBalance(0)).toBe(0n);
  expect(parseMinBalance("9223372036854775807")).toBe(2n ** 63n - 1n);
  for (const bad of ["9223372036854775808", "1.5", "1e3", "", " 1", 1.5, 2 ** 60, true, {}]) {
    expect(refusal(() => parseMinBalance(bad))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
  }
});

test("an open request checks both fields", () => {
  expect(parseOpenAccount({ currency: "USD" })).toEqual({ currency: "USD", minBalanceMinor: null });
  expect(refusal(() => parseOpenAccount({}))?.message).toContain("currency");
});

test("only a UUID can be an account id", () => {
  expect(isAccountId(crypto.randomUUID())).toBe(true);
  for (const id of ["", "1", "not-a-uuid", `${crypto.randomUUID()}x`, null]) {
    expect(isAccountId(id)).toBe(false);
  }
});
