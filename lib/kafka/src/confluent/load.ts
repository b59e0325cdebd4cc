// Finds a loadable @confluentinc/kafka-javascript: the installed package if its addon was built
// (e.g. by npm with scripts allowed), else the from-source build in the cache.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  COMPLETE_MARKER,
  CONFLUENT_PACKAGE,
  cachedPackageDir,
  confluentCacheDir,
} from "./location.ts";

export type ConfluentModule = typeof import("@confluentinc/kafka-javascript");

export type ConfluentLoad =
  | { ok: true; module: ConfluentModule; from: string }
  | { ok: false; reason: string };

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

let cached: ConfluentLoad | undefined;

/** Loads at most once per process: a native addon cannot be unloaded or retried anyway. */
export function loadConfluent(): ConfluentLoad {
  cached ??= attempt();
  return cached;
}

function attempt(): ConfluentLoad {
  const require = createRequire(import.meta.url);
  const reasons: string[] = [];
  try {
    const module = require(CONFLUENT_PACKAGE) as ConfluentModule;
    return { ok: true, module, from: require.resolve(CONFLUENT_PACKAGE) };
  } catch (error) {
    reasons.push(`node_modules: ${firstLine(error)}`);
  }
  const buildDir = confluentCacheDir();
  if (!existsSync(join(buildDir, COMPLETE_MARKER))) {
    reasons.push(`cache: no build at ${buildDir} (run lib/kafka/scripts/build-confluent.ts)`);
    return { ok: false, reason: reasons.join("; ") };
  }
  const packageDir = cachedPackageDir(buildDir);
  try {
    return { ok: true, module: require(packageDir) as ConfluentModule, from: packageDir };
  } catch (error) {
    reasons.push(`cache: ${firstLine(error)}`);
    return { ok: false, reason: reasons.join("; ") };
  }
}
