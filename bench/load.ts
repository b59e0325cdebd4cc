// `bun run load`: steady open-loop traffic on the adder and transfers flows against running
// apps (`bun run dev` by default), with a live progress line and a summary. See docs/load.md.
//
//   bun run load --rate 500 --duration 60s [--flows add,transfer] [--json out.json]
import { writeFile } from "node:fs/promises";
import { parseCli, USAGE } from "./load/args.ts";
import { progressLine, summaryText } from "./load/format.ts";
import { type LoadProgress, runLoad } from "./load/run.ts";
import { UnreachableError } from "./load/targets.ts";

let cli: ReturnType<typeof parseCli>;
try {
  cli = parseCli(Bun.argv.slice(2));
} catch (error) {
  console.error(`load: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (cli.help) {
  console.log(USAGE);
  process.exit(0);
}

const tty = process.stdout.isTTY === true;
let lineShown = false;
const onProgress = (progress: LoadProgress) => {
  const line = progressLine(progress);
  if (tty) {
    // A line wider than the terminal wraps, and \r would then rewrite only its last row.
    const width = process.stdout.columns;
    const shown = width && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
    process.stdout.write(`\r${shown}\x1b[K`);
    lineShown = true;
  } else {
    console.log(line);
  }
};

// First Ctrl-C: stop sending, drain, summarise. A second one: leave now.
const stop = new AbortController();
process.on("SIGINT", () => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
});

try {
  const summary = await runLoad(
    { ...cli.options, command: `bun bench/load.ts ${Bun.argv.slice(2).join(" ")}`.trim() },
    // Rewritten in place on a terminal; a log gets one line per 5 s.
    { onProgress, progressIntervalMs: tty ? 1000 : 5000, signal: stop.signal },
  );
  if (lineShown) process.stdout.write("\n");
  console.log(summaryText(summary));
  if (cli.json) {
    await writeFile(cli.json, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`summary written to ${cli.json}`);
  }
  // Requests left unanswered past the drain bound must not keep the process alive.
  process.exit(0);
} catch (error) {
  if (lineShown) process.stdout.write("\n");
  if (error instanceof UnreachableError) console.error(`load: ${error.message}`);
  else console.error("load: failed:", error);
  process.exit(1);
}
