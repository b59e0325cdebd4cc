import { expect, test } from "bun:test";
import fc from "fast-check";
import { findBadText, textProblem } from "../src/text.ts";

test("printable, well-formed text passes, emoji and other scripts included", () => {
  for (const ok of ["", "test-trace-1", "héllo wörld", "日本語", "👍🏽 a/b?c=d", "\u00a0\u200b"])
    expect(textProblem(ok)).toBeUndefined();
});

test("NUL and every other C0/C1 control character is named with its code point and index", () => {
  expect(textProblem("key\u0000")).toBe("contains the control character U+0000 at index 3");
  expect(textProblem("a\nb")).toBe("contains the control character U+000A at index 1");
  expect(textProblem("\u007f")).toContain("U+007F");
  expect(textProblem("x\u0085")).toContain("U+0085");
  for (let code = 0; code < 0x20; code++)
    expect(textProblem(String.fromCharCode(code))).toContain("control character");
});

test("unpaired surrogates are refused: UTF-8 would store \\ud800 and \\ud801 as the same U+FFFD", () => {
  expect(textProblem("key\ud800")).toBe(
    "is not valid Unicode: unpaired surrogate U+D800 at index 3",
  );
  expect(textProblem("\udc00x")).toContain("U+DC00 at index 0");
  expect(textProblem("\ud800\ud800\udc00")).toContain("at index 0");
  // The two keys of the report really do collapse into one once encoded:
  expect(Buffer.from("k\ud800").equals(Buffer.from("k\ud801"))).toBe(true);
});

test("findBadText walks bodies: nested fields, arrays and field names, with a path", () => {
  expect(findBadText({ a: "ok", n: 5, b: [1, { c: "fine" }] })).toBeUndefined();
  expect(findBadText({ idempotency_key: "k\u0000" })).toBe(
    "idempotency_key contains the control character U+0000 at index 1",
  );
  expect(findBadText({ entry: { lines: [{ account_id: "a" }, { account_id: "b\ud801" }] } })).toBe(
    "entry.lines[1].account_id is not valid Unicode: unpaired surrogate U+D801 at index 1",
  );
  expect(findBadText({ "bad\u0001": 1 })).toContain("a field name contains");
  expect(findBadText("\u0000")).toContain("the value contains");
  expect(findBadText(Buffer.from([0, 1, 2]))).toBeUndefined();
});

test("any string with a control character or lone surrogate is found; any other is not", () => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the oracle names them on purpose
  const control = /[\u0000-\u001f\u007f-\u009f]/;
  const acceptable = (value: string) => value.isWellFormed() && !control.test(value);
  const injected = fc
    .tuple(
      fc.string({ unit: "grapheme" }),
      fc.oneof(
        fc.integer({ min: 0, max: 0x1f }),
        fc.integer({ min: 0x7f, max: 0x9f }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
      ),
    )
    .map(([text, code]) => `${text}${String.fromCharCode(code)}`);
  fc.assert(fc.property(injected, (value) => expect(textProblem(value)).toBeDefined()));
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (value) =>
      expect(textProblem(value) === undefined).toBe(acceptable(value)),
    ),
  );
});
