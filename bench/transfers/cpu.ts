// CPU time per process group, read from /proc (Linux only; elsewhere every figure is empty).
// The benchmark shares two cores with Kafka, PostgreSQL and the tracing backend, so where the
// CPU goes tells which part to make cheaper; the machine-wide busy share tells whether another
// workload was running at the same time and the figures are to be taken with care.
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100;

/** Group name of a command line, or undefined for processes we do not report. */
export type Classifier = (pid: number, cmdline: string) => string | undefined;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, in clock ticks. */
function ticksOf(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

function snapshot(classify: Classifier): Map<number, { group: string; ticks: number }> {
  const out = new Map<number, { group: string; ticks: number }>();
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const p of pids) {
    const pid = Number(p);
    const cmdline = read(`/proc/${pid}/cmdline`)?.replaceAll("\0", " ");
    if (!cmdline) continue;
    const group = classify(pid, cmdline);
    if (!group) continue;
    const ticks = ticksOf(pid);
    if (ticks !== undefined) out.set(pid, { group, ticks });
  }
  return out;
}

/** Busy and total jiffies of the whole machine (all cores). */
function machine(): { busy: number; total: number } {
  const line = read("/proc/stat")?.split("\n")[0] ?? "";
  const values = line.split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuReport {
  /** Percent of one core per group over the window (100 = one core fully busy). */
  byGroup: Record<string, number>;
  /** Percent of all cores busy machine-wide, whoever used them. */
  machineBusyPct: number;
}

/** Starts a window; the returned function ends it and reports CPU use in between. */
export function startCpuWindow(classify: Classifier): () => CpuReport {
  const before = snapshot(classify);
  const machineBefore = machine();
  const t0 = performance.now();
  return () => {
    const after = snapshot(classify);
    const machineAfter = machine();
    const seconds = (performance.now() - t0) / 1000;
    const byGroup: Record<string, number> = {};
    for (const [pid, { group, ticks }] of after) {
      const delta = ticks - (before.get(pid)?.ticks ?? 0);
      if (delta > 0) byGroup[group] = (byGroup[group] ?? 0) + delta;
    }
    for (const group of Object.keys(byGroup))
      byGroup[group] =
        Math.round(((100 * (byGroup[group] ?? 0)) / CLOCK_TICKS_PER_SECOND / seconds) * 10) / 10;
    const total = machineAfter.total - machineBefore.total;
    return {
      byGroup,
      machineBusyPct:
        total > 0 ? Math.round((1000 * (machineAfter.busy - machineBefore.busy)) / total) / 10 : 0,
    };
  };
}

/** The apps by pid, the infrastructure by command line, this process as "bench". */
export function systemClassifier(apps: Record<string, number>): Classifier {
  const byPid = new Map(Object.entries(apps).map(([name, pid]) => [pid, name]));
  return (pid, cmdline) => {
    const app = byPid.get(pid);
    if (app) return app;
    if (pid === process.pid) return "bench";
    if (/\bpostgres\b/.test(cmdline)) return "postgres";
    if (/kafka/i.test(cmdline)) return "kafka";
    if (/jaeger/.test(cmdline)) return "jaeger";
    if (/otelcol/.test(cmdline)) return "collector";
    if (/prometheus/.test(cmdline)) return "prometheus";
    return undefined;
  };
}
