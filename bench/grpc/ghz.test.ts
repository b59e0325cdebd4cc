// ghz's JSON report read into a benchmark point, from real short ghz runs.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { freePort } from "../../infra/local/ports.ts";
import { ghzBinary, runGhz } from "./ghz.ts";

let ghz: string;
let server: Bun.Subprocess<"ignore", "pipe", "inherit">;
let port: number;

beforeAll(async () => {
  ghz = ghzBinary(); // a first run builds it from the Go module proxy
  port = await freePort();
  server = Bun.spawn(["bun", join(import.meta.dir, "plain-server.ts"), String(port)], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const first = await server.stdout.getReader().read();
  expect(new TextDecoder().decode(first.value)).toContain("listening");
}, 300_000);
afterAll(async () => {
  server.kill();
  await server.exited;
});

test("a run against the plain server gives successful calls per second and percentiles in ms", async () => {
  const point = await runGhz(ghz, { port, concurrency: 2, durationS: 1 });
  expect(point.errors).toBe(0);
  expect(point.ok).toBeGreaterThan(100);
  // About one second of calls.
  expect(point.rps).toBeGreaterThan(point.ok * 0.8);
  expect(point.rps).toBeLessThan(point.ok * 1.2);
  expect(point.p50Ms).toBeGreaterThan(0);
  expect(point.p50Ms).toBeLessThanOrEqual(point.p99Ms);
  expect(point.p99Ms).toBeLessThan(1000);
});

test("failed calls count as errors, not throughput (ghz's own rps counts them)", async () => {
  const point = await runGhz(ghz, { port: await freePort(), concurrency: 2, durationS: 0.3 });
  expect(point.errors).toBeGreaterThan(0);
  expect(point.rps).toBe(0);
  expect(point.p50Ms).toBeNaN();
  expect(point.topError).toContain("Unavailable");
});
