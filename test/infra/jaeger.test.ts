import { beforeAll, expect, test } from "bun:test";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";

// First start of the infrastructure can take minutes (builds, downloads).
beforeAll(ensureInfra, 600_000);

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

test("a span posted over OTLP/HTTP is found again through Jaeger's /api/traces", async () => {
  const service = `smoke-${crypto.randomUUID().slice(0, 8)}`;
  const traceId = hex(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: "smoke-test" },
            spans: [
              {
                traceId,
                spanId: hex(8),
                name: "smoke-span",
                kind: 2,
                startTimeUnixNano: String(now - 5_000_000n),
                endTimeUnixNano: String(now),
                attributes: [{ key: "smoke.run", value: { stringValue: service } }],
              },
            ],
          },
        ],
      },
    ],
  };
  const posted = await fetch(`${ENDPOINTS.otlpHttp}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(posted.status).toBe(200);

  const trace = await eventually("the span in Jaeger", async () => {
    const response = await fetch(`${ENDPOINTS.jaegerQuery}/api/traces?service=${service}&limit=5`);
    const json = (await response.json()) as {
      data: { traceID: string; spans: { operationName: string }[] }[];
    };
    return json.data?.[0];
  });
  expect(trace.traceID).toBe(traceId);
  expect(trace.spans.map((s) => s.operationName)).toEqual(["smoke-span"]);
}, 30_000);
