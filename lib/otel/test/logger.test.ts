import { afterAll, beforeAll, expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import { startTestTelemetry, type TestTelemetry } from "./helpers.ts";

let t: TestTelemetry;
beforeAll(() => {
  t = startTestTelemetry();
});
afterAll(() => t.telemetry.shutdown());

test("lines inside a span carry its ids, lines outside do not", async () => {
  const { logger, tracer } = t.telemetry;
  logger.info("before");
  let ids: { traceId: string; spanId: string } | undefined;
  await tracer.startActiveSpan("work", async (span) => {
    ids = span.spanContext();
    logger.info("start");
    await Bun.sleep(2);
    // After an await the AsyncLocalStorage context must still be there.
    logger.warn({ n: 1 }, "after await");
    span.end();
  });
  logger.info("after");

  const lines = t.logLines.filter((l) => l.component === undefined);
  expect(lines.map((l) => l.msg)).toEqual(["before", "start", "after await", "after"]);
  for (const line of lines) {
    expect(line.service).toBe("otel-test");
    expect(line.version).toBe("1.2.3");
    expect(typeof line.time).toBe("string");
  }
  const [before, start, afterAwait, after] = lines;
  expect(before).not.toHaveProperty("trace_id");
  expect(after).not.toHaveProperty("trace_id");
  expect(after).not.toHaveProperty("span_id");
  expect(start).toMatchObject({ level: "info", trace_id: ids?.traceId, span_id: ids?.spanId });
  expect(afterAwait).toMatchObject({
    level: "warn",
    n: 1,
    trace_id: ids?.traceId,
    span_id: ids?.spanId,
    trace_flags: "01",
  });
  expect(trace.getActiveSpan()).toBeUndefined();
});
