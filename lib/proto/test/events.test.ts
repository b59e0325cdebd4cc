import { expect, test } from "bun:test";
import type { SumMessage } from "../src/gen/adder/v1/SumMessage.ts";
import type { EntryPosted } from "../src/gen/ledger/v1/EntryPosted.ts";
import { eventCodec, PoisonMessageError } from "../src/index.ts";

const sums = eventCodec<SumMessage>("adder.v1.SumMessage");

const message: SumMessage = {
  sum: "-9223372036854775808",
  produced_at: { seconds: "1767225600", nanos: 123_000_000 },
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  span_id: "00f067aa0ba902b7",
  message_id: "m-1",
};

test("an event round-trips through JSON without losing int64 precision", () => {
  const bytes = sums.encode(message);
  expect(JSON.parse(bytes.toString())).toEqual(message);
  expect(sums.decode(bytes)).toEqual(message);
});

test("missing fields decode to their proto defaults", () => {
  expect(sums.decode(Buffer.from('{"sum":"5"}'))).toEqual({
    sum: "5",
    produced_at: null,
    trace_id: "",
    span_id: "",
    message_id: "",
  });
});

test.each([
  ["empty", ""],
  ["not JSON", "{sum: 1"],
  ["an array", "[1]"],
  ["a string sum", '{"sum":"twelve"}'],
  ["a fractional sum", '{"sum":1.5}'],
  ["an int64 overflow", '{"sum":"9223372036854775808"}'],
  ["an unknown field", '{"sum":"1","total":2}'],
  ["a scalar where a message belongs", '{"produced_at":"2026-01-01T00:00:00Z"}'],
])("%s is a PoisonMessageError", (_, raw) => {
  expect(() => sums.decode(Buffer.from(raw))).toThrow(PoisonMessageError);
});

test("nested and repeated messages are checked too", () => {
  const entries = eventCodec<EntryPosted>("ledger.v1.EntryPosted");
  const ok = {
    event_id: "e",
    schema_version: 1,
    entry: { entry_id: "x", lines: [{ account_id: "a", currency: "USD", amount_minor: "-5" }] },
  };
  expect(entries.decode(Buffer.from(JSON.stringify(ok))).entry?.lines[0]?.amount_minor).toBe("-5");
  const bad = {
    ...ok,
    entry: { entry_id: "x", lines: [{ account_id: "a", amount_minor: "five" }] },
  };
  expect(() => entries.decode(Buffer.from(JSON.stringify(bad)))).toThrow(
    "entry.lines.amount_minor: expected an integer",
  );
});

test("encode refuses a value that does not fit the type", () => {
  expect(() => sums.encode({ ...message, sum: "1e3" })).toThrow(TypeError);
});
