#!/usr/bin/env bun
// Runs the conformance suite for the confluent adapter under Node.js, where its addon loads.
// Node 20 cannot run TypeScript, so the suite is bundled first; the addon itself is loaded at run
// time from the cached from-source build, which is made here if it is missing.
//
// Usage: bun lib/kafka/scripts/conformance-node.ts   (prints node's TAP, ends with `# pass N`)
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureConfluentBuild } from "./build-confluent.ts";

const root = resolve(import.meta.dir, "..");
const outdir = join(root, ".build");

function fail(message: string): never {
  console.error(`conformance-node: ${message}`);
  process.exit(1);
}

try {
  ensureConfluentBuild();
} catch (error) {
  fail(`cannot build @confluentinc/kafka-javascript: ${String(error)}`);
}

mkdirSync(outdir, { recursive: true });
const bundled = await Bun.build({
  entrypoints: [join(root, "test", "confluent.node.ts")],
  outdir,
  target: "node",
  format: "esm",
  // Dynamic imports stay separate chunks, loaded only when reached: the librdkafka adapter's
  // chunk imports bun:ffi, which Node.js cannot even parse an import of.
  splitting: true,
  naming: { entry: "[name].mjs", chunk: "[name]-[hash].mjs" },
  // Resolved by Node at run time: the addon from the cache, the other adapters never loaded
  // (bun:ffi is only required by the librdkafka adapter, on Bun).
  external: ["@confluentinc/kafka-javascript", "@platformatic/kafka", "bun:ffi"],
});
if (!bundled.success) {
  for (const log of bundled.logs) console.error(log);
  fail("bundling the suite failed");
}
const entry = bundled.outputs.find((o) => o.kind === "entry-point")?.path;
if (!entry) fail("the bundle has no entry point");

const result = spawnSync("node", ["--test", "--test-reporter=tap", entry], {
  stdio: "inherit",
  env: process.env,
});
if (result.error) fail(`could not start node: ${result.error.message}`);
process.exit(result.status ?? 1);
