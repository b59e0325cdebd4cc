// bun run test (the README's test command): makes sure the real infrastructure is up, applies
// migrations, runs every suite — `bun test`, and the suites that must run under Node.js — and
// ends with one line "N passed, N failed" from their real counts. Infrastructure this run
// started is stopped at the end (KEEP_INFRA=1 keeps it).
import { join } from "node:path";
import { InfraError } from "../infra/local/errors.ts";
import { down, up, wantedServices } from "../infra/local/infra.ts";
import { ensureConfluentBuild } from "../lib/kafka/scripts/build-confluent.ts";
import { migrateAll } from "./migrate.ts";
import { add, type Counts, formatSummary, parseBunTest, parseNodeTap, ZERO } from "./summary.ts";

const repo = join(import.meta.dir, "..");

interface Suite {
  name: string;
  cmd: string[];
  parse: (output: string) => Counts | undefined;
}

const suites: Suite[] = [
  { name: "bun test", cmd: ["bun", "test", ...process.argv.slice(2)], parse: parseBunTest },
  // The confluent adapter's addon loads on Node.js only; the same conformance suite runs there.
  {
    name: "lib/kafka confluent adapter (Node.js)",
    cmd: ["bun", "lib/kafka/scripts/conformance-node.ts"],
    parse: parseNodeTap,
  },
];

/** Runs a suite with its output passed through live, and returns its counts. */
async function runSuite(suite: Suite): Promise<Counts> {
  console.log(`\n== ${suite.name}: ${suite.cmd.join(" ")}`);
  const proc = Bun.spawn(suite.cmd, {
    cwd: repo,
    stdout: "pipe",
    stderr: "pipe",
    env: process.env,
  });
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      output += text;
      out.write(text);
    }
  };
  await Promise.all([
    pump(proc.stdout, process.stdout),
    pump(proc.stderr, process.stderr),
    proc.exited,
  ]);
  const counts = suite.parse(output);
  if (counts === undefined) {
    console.error(`${suite.name} printed no summary (exit ${proc.exitCode}): counted as 1 failure`);
    return { ...ZERO, failed: 1 };
  }
  if (proc.exitCode !== 0 && counts.failed === 0) {
    console.error(
      `${suite.name} exited ${proc.exitCode} with no failing test: counted as 1 failure`,
    );
    return { ...counts, failed: 1 };
  }
  return counts;
}

let started: Awaited<ReturnType<typeof up>> = [];
let total = ZERO;
try {
  started = await up(wantedServices());
  await migrateAll();
  // Before any suite: its librdkafka is what Bun processes load through bun:ffi (cached).
  ensureConfluentBuild();
  for (const suite of suites) total = add(total, await runSuite(suite));
} catch (error) {
  console.error(`test: ${error instanceof InfraError ? error.message : (error as Error).stack}`);
  total = add(total, { ...ZERO, failed: 1 });
} finally {
  if (!process.env.KEEP_INFRA) await down(started, { quiet: true });
}
console.log(formatSummary(total));
process.exit(total.failed > 0 ? 1 : 0);
