// Where the from-source build of @confluentinc/kafka-javascript lives. It is cached outside the
// repository because CI starts from a fresh clone each time and the build costs minutes.
import { homedir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };

export const CONFLUENT_PACKAGE = "@confluentinc/kafka-javascript";

/** The pinned version: package.json is the single source of truth for it. */
export const CONFLUENT_VERSION: string = pkg.optionalDependencies[CONFLUENT_PACKAGE];

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.OBS_CACHE_DIR ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "observable-services")
  );
}

/**
 * One build per package version and per Node ABI: an addon built for Node 20 (ABI 115) must not
 * be offered to another runtime version.
 */
export function buildTag(abi: string = process.versions.modules ?? "unknown"): string {
  return `node-abi${abi}-${process.platform}-${process.arch}`;
}

export function confluentCacheDir(
  abi?: string,
  env: NodeJS.ProcessEnv = process.env,
  version: string = CONFLUENT_VERSION,
): string {
  return join(cacheRoot(env), "confluent-kafka-javascript", version, buildTag(abi));
}

/** The package directory inside a cached build. */
export function cachedPackageDir(buildDir: string): string {
  return join(buildDir, "node_modules", CONFLUENT_PACKAGE);
}

/** Written last, so a half-finished build is never mistaken for a usable one. */
export const COMPLETE_MARKER = ".complete.json";
