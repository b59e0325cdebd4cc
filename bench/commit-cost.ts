// What a change costs, side by side: runs the delivery-latency and transfers benchmarks on a
// baseline commit (a git worktree of it) and on this checkout, alternately (base, head, base,
// head, …) on the same machine and the same running infrastructure, and reports head ÷ base
// for each figure, median over the rounds.
//
//   bun bench/commit-cost.ts --base <commit> [--rounds 2] [--json out.json]
//
// Both sides export to the same Collector and write to the same PostgreSQL and Kafka, so the
// difference is the code. The worktree shares this checkout's running infrastructure
// (OBS_STATE_DIR) and caches; it is left in the system temp dir for a second run.
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT, STATE_DIR } from "../infra/local/config.ts";
import { up, wantedServices } from "../infra/local/infra.ts";
import { migrateAll } from "../scripts/migrate.ts";
import { commandLine, writeJson } from "./support/report.ts";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    rounds: { type: "string", default: "2" },
    json: { type: "string" },
  },
});
if (!values.base) {
  console.error("usage: bun bench/commit-cost.ts --base <commit> [--rounds 2] [--json out.json]");
  process.exit(2);
}
const rounds = Number(values.rounds);

function git(args: string[], cwd = REPO_ROOT): string {
  const proc = Bun.spawnSync(["git", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${proc.stderr.toString()}`);
  return proc.stdout.toString().trim();
}

const baseSha = git(["rev-parse", values.base]);
const headSha = git(["rev-parse", "HEAD"]);
const worktree = join(tmpdir(), `obs-base-${baseSha.slice(0, 12)}`);
if (!existsSync(worktree)) git(["worktree", "add", "--detach", worktree, baseSha]);
const install = Bun.spawnSync(["bun", "install", "--frozen-lockfile"], {
  cwd: worktree,
  stdout: "ignore",
  stderr: "inherit",
});
if (install.exitCode !== 0) throw new Error("bun install in the baseline worktree failed");

await up(wantedServices(), { quiet: true });
await migrateAll();

const BENCHES = {
  delivery: (out: string) => [
    "bench/delivery-latency.ts",
    ...["--rates", "1000,5000", "--tracing", "on", "--no-max"],
    ...["--duration", "20", "--warmup", "5", "--json", out],
  ],
  transfers: (out: string) => [
    "bench/transfers.ts",
    ...["--rates", "50,100,200", "--duration", "20", "--keep-going", "--json", out],
  ],
} as const;
type Bench = keyof typeof BENCHES;

interface DeliveryLevel {
  offeredRate: number;
  deliveryMs: { p50: number; p99: number };
  addMs?: { p99: number };
}
interface TransfersLevel {
  offeredPerSecond: number;
  achievedPerSecond: number;
  clientMs: { p50: number; p99: number };
  lagMs: { p99: number };
  cpuMsPerTransfer: Record<string, number>;
}

interface Figures {
  [level: string]: Record<string, number>;
}

/** The figures compared, per level, from a benchmark's JSON. */
function figuresOf(bench: Bench, result: { levels: (DeliveryLevel | TransfersLevel)[] }): Figures {
  const figures: Figures = {};
  for (const entry of result.levels) {
    if (bench === "delivery") {
      const level = entry as DeliveryLevel;
      figures[`${level.offeredRate} msg/s`] = {
        "delivery p50 ms": level.deliveryMs.p50,
        "delivery p99 ms": level.deliveryMs.p99,
        ...(level.addMs ? { "Add p99 ms": level.addMs.p99 } : {}),
      };
    } else {
      const level = entry as TransfersLevel;
      const cpu = level.cpuMsPerTransfer;
      figures[`${level.offeredPerSecond}/s`] = {
        "achieved /s": level.achievedPerSecond,
        "client p50 ms": level.clientMs.p50,
        "client p99 ms": level.clientMs.p99,
        "lag p99 ms": level.lagMs.p99,
        "CPU ms per transfer": Object.values(cpu).reduce((a, b) => a + b, 0),
        "postgres CPU ms": cpu.postgres ?? 0,
        "apps CPU ms": ["accounts", "ledger", "readmodel", "orchestrator"]
          .map((app) => cpu[app] ?? 0)
          .reduce((a, b) => a + b, 0),
      };
    }
  }
  return figures;
}

async function runOnce(side: "base" | "head", bench: Bench, round: number): Promise<Figures> {
  const cwd = side === "base" ? worktree : REPO_ROOT;
  const out = join(STATE_DIR, "bench", `commit-cost.${bench}.${side}.${round}.json`);
  const started = performance.now();
  const proc = Bun.spawn(["bun", ...BENCHES[bench](out)], {
    cwd,
    env: { ...process.env, OBS_STATE_DIR: STATE_DIR },
    stdout: "ignore",
    stderr: "ignore",
  });
  if ((await proc.exited) !== 0) throw new Error(`${bench} on ${side} exited ${proc.exitCode}`);
  console.error(
    `commit-cost: ${bench} ${side} round ${round + 1} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return figuresOf(bench, await Bun.file(out).json());
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const runs: Record<Bench, { base: Figures[]; head: Figures[] }> = {
  delivery: { base: [], head: [] },
  transfers: { base: [], head: [] },
};
for (let round = 0; round < rounds; round++)
  for (const bench of Object.keys(BENCHES) as Bench[])
    for (const side of ["base", "head"] as const)
      runs[bench][side].push(await runOnce(side, bench, round));

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  bun: Bun.version,
  command: commandLine(),
  base: baseSha,
  head: headSha,
  rounds,
  benches: {},
};
for (const bench of Object.keys(BENCHES) as Bench[]) {
  const rows: Record<string, unknown>[] = [];
  const levels = Object.keys(runs[bench].head[0] ?? {});
  for (const level of levels)
    for (const figure of Object.keys(runs[bench].head[0]?.[level] ?? {})) {
      const base = median(runs[bench].base.map((r) => r[level]?.[figure] ?? Number.NaN));
      const head = median(runs[bench].head.map((r) => r[level]?.[figure] ?? Number.NaN));
      const runsOf = (side: "base" | "head") =>
        runs[bench][side].map((r) => r[level]?.[figure] ?? Number.NaN);
      rows.push({
        level,
        figure,
        base,
        head,
        ratio: head / base,
        baseRuns: runsOf("base"),
        headRuns: runsOf("head"),
      });
    }
  (report.benches as Record<string, unknown>)[bench] = rows;
  console.log(
    `\n${bench}: head ${headSha.slice(0, 7)} vs base ${baseSha.slice(0, 7)}, median of ${rounds}`,
  );
  console.log("| level | figure | base | head | head ÷ base |\n| --- | --- | --- | --- | --- |");
  for (const row of rows as {
    level: string;
    figure: string;
    base: number;
    head: number;
    ratio: number;
  }[])
    console.log(
      `| ${row.level} | ${row.figure} | ${row.base.toFixed(1)} | ${row.head.toFixed(1)} | ${row.ratio.toFixed(2)} |`,
    );
}
if (values.json) await writeJson(values.json, report);
