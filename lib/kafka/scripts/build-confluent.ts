#!/usr/bin/env bun
// Builds @confluentinc/kafka-javascript from source, once, into the cache outside the repo.
//
// Why from source: the install script first downloads a prebuilt addon from GitHub and then falls
// back to librdkafka's static build, which downloads its dependencies' sources too; neither works
// offline. CKJS_LINKING=dynamic instead links the bundled librdkafka against Debian's system
// OpenSSL/zlib/zstd/lz4/SASL. Install scripts are never run (npm 11 and bun both block them):
// node-gyp is invoked directly, so the result does not depend on either tool's script policy.
//
// Usage: bun lib/kafka/scripts/build-confluent.ts [--force]   (a quick no-op when cached)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  COMPLETE_MARKER,
  CONFLUENT_PACKAGE,
  CONFLUENT_VERSION,
  cachedPackageDir,
  confluentCacheDir,
} from "../src/confluent/location.ts";

/** Debian packages the dynamic build compiles and links against. */
const APT_PACKAGES = [
  "build-essential",
  "python3",
  "pkg-config",
  "libssl-dev",
  "zlib1g-dev",
  "libzstd-dev",
  "liblz4-dev",
  "libsasl2-dev",
];

function log(message: string): void {
  console.error(`build-confluent: ${message}`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.error) throw new Error(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${result.status}`);
}

function capture(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string | undefined {
  const result = spawnSync(cmd, args, { encoding: "utf8", env: env ?? process.env });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The ABI of the `node` on PATH: that is the runtime the addon is built for, not Bun. */
function nodeAbi(): string {
  const abi = capture("node", ["-p", "process.versions.modules"]);
  if (!abi) throw new Error("`node` is not on PATH; the confluent adapter needs Node.js to build");
  return abi;
}

/** Loads the package in a child Node and reports librdkafka's version and features. */
function probe(packageDir: string): string | undefined {
  return capture("node", [
    "-e",
    `const k = require(${JSON.stringify(packageDir)}); ` +
      "console.log('librdkafka ' + k.librdkafkaVersion + ' features=' + k.features.join(','))",
  ]);
}

function missingAptPackages(): string[] {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const format = "-f=${Package} ${Status}\\n";
  const query = capture("dpkg-query", ["-W", format, ...APT_PACKAGES]) ?? "";
  const installed = new Set(
    query
      .split("\n")
      .filter((line) => line.endsWith("install ok installed"))
      .map((line) => line.split(" ")[0]),
  );
  return APT_PACKAGES.filter((name) => !installed.has(name));
}

function ensureSystemPackages(): void {
  if (!existsSync("/usr/bin/dpkg-query")) {
    log(`not Debian: make sure these (or equivalents) are installed: ${APT_PACKAGES.join(" ")}`);
    return;
  }
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages; run: sudo apt-get install -y ${missing.join(" ")}`);
  }
  log(`installing ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env });
}

/** npm's bundled node-gyp, so no extra download and no dependency on a global install. */
function nodeGypScript(): string {
  const npmRoot = capture("npm", ["root", "-g"]);
  const candidates = [
    npmRoot && join(npmRoot, "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    "/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
  ];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) throw new Error("node-gyp not found (it ships with npm); is npm installed?");
  return found;
}

/**
 * Headers of the running Node, found next to its binary, because node-gyp would otherwise try to
 * download them.
 */
function nodeDir(): string | undefined {
  const execPath = capture("node", ["-p", "process.execPath"]);
  if (!execPath) return undefined;
  const prefix = dirname(dirname(execPath));
  return existsSync(join(prefix, "include", "node", "node.h")) ? prefix : undefined;
}

/** Keeps only what loading needs: the addon and librdkafka's shared objects (~300 MB -> ~20 MB). */
function prune(packageDir: string): void {
  const doomed = [
    join(packageDir, "deps", "librdkafka"),
    join(packageDir, "build", "Release", "obj.target"),
    join(packageDir, "build", "Release", ".deps"),
    join(packageDir, "build", "deps", "librdkafka.a"),
    join(packageDir, "build", "deps", "librdkafka-static.a"),
    join(packageDir, "build", "deps", "librdkafka++.a"),
  ];
  for (const path of doomed) rmSync(path, { recursive: true, force: true });
}

function build(target: string): void {
  const work = `${target}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    buildIn(work);
    rmSync(target, { recursive: true, force: true });
    // A rename is atomic, so a concurrent reader sees either no build or a complete one.
    renameSync(work, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buildIn(work: string): void {
  writeFileSync(
    join(work, "package.json"),
    JSON.stringify({ private: true, dependencies: { [CONFLUENT_PACKAGE]: CONFLUENT_VERSION } }),
  );
  log(`fetching ${CONFLUENT_PACKAGE}@${CONFLUENT_VERSION} (scripts off)`);
  run(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error"],
    { cwd: work },
  );

  const packageDir = cachedPackageDir(work);
  const headers = nodeDir();
  // No `-j` for node-gyp: its generated Makefile races on librdkafka's config.h when run in
  // parallel, and librdkafka's own `make -j` already keeps both cores busy.
  const gypArgs = [nodeGypScript(), "rebuild", "--release"];
  if (headers) gypArgs.push(`--nodedir=${headers}`);
  log(`node-gyp rebuild with CKJS_LINKING=dynamic${headers ? ` (headers from ${headers})` : ""}`);
  run("node", gypArgs, {
    cwd: packageDir,
    env: { ...process.env, CKJS_LINKING: "dynamic", BUILD_LIBRDKAFKA: "1" },
  });

  prune(packageDir);
  const report = probe(packageDir);
  if (!report) throw new Error("the build finished but Node cannot load the addon");
  log(report);
  writeFileSync(
    join(work, COMPLETE_MARKER),
    JSON.stringify({ version: CONFLUENT_VERSION, builtAt: new Date().toISOString(), report }),
  );
}

export function ensureConfluentBuild(options: { force?: boolean } = {}): string {
  const target = confluentCacheDir(nodeAbi());
  const packageDir = cachedPackageDir(target);
  if (!options.force && existsSync(join(target, COMPLETE_MARKER))) {
    const report = probe(packageDir);
    if (report) {
      log(`cached at ${target} (${report})`);
      return packageDir;
    }
    log(`cached build at ${target} does not load; rebuilding`);
  }
  const started = performance.now();
  ensureSystemPackages();
  build(target);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(`built ${CONFLUENT_PACKAGE}@${CONFLUENT_VERSION} into ${target} in ${seconds}s`);
  return packageDir;
}

if (import.meta.main) {
  try {
    ensureConfluentBuild({ force: process.argv.includes("--force") });
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
