// The skeleton's promises, with stand-in resources (no database or broker is needed to see
// the order things are closed in): stop() closes in reverse, a build that fails releases what
// it had, and a port that cannot be bound releases everything too.
import { afterAll, expect, test } from "bun:test";
import { createServer } from "node:net";
import { startTelemetry } from "@obs/otel";
import { Hono } from "hono";
import { isListening } from "../../../infra/local/ports.ts";
import { loadConfig } from "../src/config.ts";
import { buildHttpApp } from "../src/http.ts";
import { defineApp, startApp } from "../src/skeleton.ts";

const telemetry = startTelemetry({
  serviceName: "skeleton-test",
  spanProcessors: [],
  processMetrics: false,
  logger: { level: "silent" },
});
afterAll(() => telemetry.shutdown());

const config = loadConfig("totalizer", { DATABASE_URL: "postgres://nowhere:1/x" });

function recordingApp(fail?: string) {
  const closed: string[] = [];
  const app = defineApp({
    name: "totalizer",
    service: "totalizer.v1.Totalizer",
    async build({ resources, ready }, _options: object) {
      for (const what of ["pool", "client", "consumer"])
        resources.own(what, what, (w) => void closed.push(w));
      ready("always", async () => {});
      if (fail) throw new Error(fail);
      return {
        handlers: { GetTotal: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, {}) },
        routes: new Hono().get("/v1/ping", (c) => c.json({ pong: true })),
        handle: { extra: 42 },
      };
    },
  });
  return { app, closed };
}

test("a running app serves its ports, readiness and routes; stop closes in reverse order", async () => {
  const { app, closed } = recordingApp();
  const running = await startApp(app, { config, telemetry, grpcPort: 0, httpPort: 0 });
  expect(running.extra).toBe(42);
  const url = (path: string) => `http://127.0.0.1:${running.httpPort}${path}`;
  expect(await (await fetch(url("/v1/ping"))).json()).toEqual({ pong: true });
  expect(await (await fetch(url("/readyz"))).json()).toEqual({
    status: "ready",
    checks: { always: "ok" },
  });
  await running.stop();
  // The servers were acquired last, so they go first; then the rest, last acquired first.
  expect(closed).toEqual(["consumer", "client", "pool"]);
  expect(await isListening(running.httpPort)).toBe(false);
  expect(await isListening(running.grpcPort)).toBe(false);
  await running.stop();
  expect(closed).toHaveLength(3);
});

test("/readyz: a failing serving check is 503; a failing background check is 200, degraded", async () => {
  const ok = async () => {};
  const down = async () => {
    throw new Error("broker away");
  };
  const answer = async (serving: Record<string, () => Promise<void>>, background = {}) => {
    const app = buildHttpApp({
      metrics: async () => ({ contentType: "text/plain", body: "" }),
      readiness: { serving, background },
    });
    const response = await app.request("/readyz");
    return { code: response.status, body: await response.json() };
  };
  expect(await answer({ postgres: ok }, { outbox: down })).toEqual({
    code: 200,
    body: { status: "degraded", checks: { postgres: "ok", outbox: "broker away" } },
  });
  expect(await answer({ postgres: down }, { outbox: ok })).toEqual({
    code: 503,
    body: { status: "not ready", checks: { postgres: "broker away", outbox: "ok" } },
  });
  expect(await answer({ postgres: ok }, { outbox: ok })).toEqual({
    code: 200,
    body: { status: "ready", checks: { postgres: "ok", outbox: "ok" } },
  });
});

test("a build that fails releases what it had acquired, and the error reaches the caller", async () => {
  const { app, closed } = recordingApp("the broker said no");
  await expect(startApp(app, { config, telemetry, grpcPort: 0, httpPort: 0 })).rejects.toThrow(
    "the broker said no",
  );
  expect(closed).toEqual(["consumer", "client", "pool"]);
});

test("a port that is taken fails the start and releases everything", async () => {
  const blocker = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => blocker.once("listening", resolve));
  const { port: taken } = blocker.address() as { port: number };
  const { app, closed } = recordingApp();
  try {
    await expect(
      startApp(app, { config, telemetry, grpcPort: 0, httpPort: taken }),
    ).rejects.toThrow();
    expect(closed).toEqual(["consumer", "client", "pool"]);
  } finally {
    blocker.close();
  }
});
