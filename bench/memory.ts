// Resident memory (RSS) of each app at rest and under load (issue #6, item 5): all six apps as
// processes, as `bun run dev` runs them; RSS from /proc/<pid>/status, sampled every second
// while bench/load drives both flows.
//
//   bun bench/memory.ts [--rate 500] [--duration 30] [--rest 10] [--quick] [--json out.json]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { up, wantedServices } from "../infra/local/infra.ts";
import { APP_NAMES, type AppName } from "../lib/service/src/apps.ts";
import { runApps, stopApp } from "../scripts/app-process.ts";
import { migrateAll } from "../scripts/migrate.ts";
import { runLoad } from "./load/index.ts";
import { commandLine, writeJson } from "./support/report.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string" },
    duration: { type: "string" },
    rest: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const quick = values.quick;
const rate = Number(values.rate ?? (quick ? 100 : 500));
const durationS = Number(values.duration ?? (quick ? 10 : 30));
const restS = Number(values.rest ?? (quick ? 5 : 10));

/** VmRSS in MiB, or NaN when the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

export interface MemoryRow {
  app: AppName;
  restMiB: number;
  loadPeakMiB: number;
  loadEndMiB: number;
}

if (import.meta.main) {
  await up(wantedServices(), { quiet: true });
  await migrateAll();
  const apps = await runApps(APP_NAMES);
  try {
    const sample = () =>
      new Map(APP_NAMES.map((name) => [name, rssMiB(apps[name].proc.pid)] as const));

    await Bun.sleep(restS * 1000);
    const rest = sample();
    const peak = new Map(rest);
    const timer = setInterval(() => {
      for (const [name, mib] of sample()) peak.set(name, Math.max(peak.get(name) ?? 0, mib));
    }, 1000);
    const load = await runLoad({ rate, durationMs: durationS * 1000, accounts: 50 });
    clearInterval(timer);
    const end = sample();

    const rows: MemoryRow[] = APP_NAMES.map((app) => ({
      app,
      restMiB: rest.get(app) ?? Number.NaN,
      loadPeakMiB: Math.max(peak.get(app) ?? Number.NaN, end.get(app) ?? Number.NaN),
      loadEndMiB: end.get(app) ?? Number.NaN,
    }));
    const result = {
      date: new Date().toISOString(),
      bun: Bun.version,
      command: commandLine(),
      rate,
      durationS,
      restS,
      load: Object.fromEntries(
        Object.entries(load.flows).map(([flow, s]) => [
          flow,
          { okRate: s.okRate, errors: s.errors, p99Ms: s.latencyMs.p99 },
        ]),
      ),
      rows,
    };
    console.error(
      rows
        .map(
          (r) =>
            `memory: ${r.app.padEnd(12)} rest ${r.restMiB.toFixed(0)} MiB, under ${rate}/s peak ${r.loadPeakMiB.toFixed(0)} MiB`,
        )
        .join("\n"),
    );
    console.log(JSON.stringify(result, null, 2));
    if (values.json) await writeJson(values.json, result);
  } finally {
    await Promise.all(Object.values(apps).map((app) => stopApp(app)));
  }
}
