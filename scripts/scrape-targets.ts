// Prometheus' `apps` job lists replica 0 of every app itself (infra/prometheus/prometheus.yml)
// and reads the other replicas from a file_sd file written here. Prometheus is started by the
// infrastructure, before anyone knows how many replicas `bun run dev` will run; it watches the
// folder, so the targets appear and go within seconds without a restart or a reload.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AppName } from "../lib/service/src/apps.ts";

/** infra/prometheus/targets: next to the config, so compose's mount of that folder has it. */
export const TARGETS_DIR = join(import.meta.dir, "..", "infra", "prometheus", "targets");
export const TARGETS_FILE = join(TARGETS_DIR, "apps.json");

export interface ScrapeTarget {
  app: AppName;
  replica: number;
  httpPort: number;
}

/** file_sd's format: one group per target, `app` as the static ones have it. */
export function fileSdGroups(targets: readonly ScrapeTarget[]) {
  return targets
    .filter((t) => t.replica > 0)
    .map((t) => ({ targets: [`localhost:${t.httpPort}`], labels: { app: t.app } }));
}

/**
 * Publishes the replicas beyond the first (the file is removed when there are none).
 * Written beside and renamed into place: Prometheus must never read half a file.
 */
export function writeScrapeTargets(targets: readonly ScrapeTarget[]): void {
  const groups = fileSdGroups(targets);
  if (groups.length === 0) {
    removeScrapeTargets();
    return;
  }
  mkdirSync(TARGETS_DIR, { recursive: true });
  // Not *.json, so the half-written file never matches the job's glob.
  const partial = `${TARGETS_FILE}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(groups, null, 2)}\n`);
  renameSync(partial, TARGETS_FILE);
}

/** Stopped replicas leave the targets, rather than staying behind as AppDown alerts. */
export function removeScrapeTargets(): void {
  rmSync(TARGETS_FILE, { force: true });
}
