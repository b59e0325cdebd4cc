import { beforeAll, expect, test } from "bun:test";
import { KAFKA_CLUSTER_SIZE } from "../../infra/local/config.ts";
import { capture } from "../../infra/local/process.ts";
import { ENDPOINTS, ensureInfra } from "../support/infra.ts";

// First start of the infrastructure can take minutes (builds, downloads).
beforeAll(ensureInfra, 600_000);

async function kcat(args: string[], input?: string): Promise<string> {
  const {
    code,
    stdout: out,
    stderr: err,
  } = await capture(["kcat", "-b", ENDPOINTS.kafkaBrokers, ...args], {
    stdin: input === undefined ? undefined : new TextEncoder().encode(input),
  });
  if (code !== 0) throw new Error(`kcat ${args.join(" ")} exited ${code}: ${err}`);
  return out;
}

test("a message produced with kcat is consumed back through the real broker", async () => {
  const topic = `smoke.kcat.${crypto.randomUUID()}`;
  const value = `hello ${crypto.randomUUID()}`;
  // -K: splits key and value on the first ':'; auto-creation makes the topic on first produce.
  await kcat(["-P", "-t", topic, "-K", ":"], `smoke-key:${value}\n`);
  const consumed = await kcat([
    "-C",
    "-t",
    topic,
    "-o",
    "beginning",
    "-e",
    "-c",
    "1",
    "-f",
    "%k|%s\\n",
  ]);
  expect(consumed.trim()).toBe(`smoke-key|${value}`);
}, 30_000);

test("the broker reports every broker and several partitions per auto-created topic", async () => {
  const topic = `smoke.meta.${crypto.randomUUID()}`;
  await kcat(["-P", "-t", topic], "x\n");
  const metadata = await kcat(["-L", "-t", topic]);
  // One, or KAFKA_CLUSTER_SIZE when the suite runs against a cluster.
  expect(metadata).toContain(`${KAFKA_CLUSTER_SIZE} brokers`);
  expect(metadata).toMatch(new RegExp(`topic "${topic.replaceAll(".", "\\.")}" with 3 partitions`));
}, 30_000);
