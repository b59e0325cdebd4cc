// Finds and opens librdkafka's C library with bun:ffi. Written by hand because no library does it
// on Bun: @confluentinc/kafka-javascript's addon needs V8/Node symbols Bun does not export, and
// librdkafka's plain C API needs nothing of the kind. The candidates, in order:
//   1. LIBRDKAFKA_PATH, when set (and then only it);
//   2. the librdkafka the Confluent client's from-source build produced (the project builds it;
//      lib/kafka/scripts/build-confluent.ts), the version that client pins;
//   3. the system's `librdkafka.so.1` (Debian: `apt-get install librdkafka1`).
import type { Library } from "bun:ffi";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cachedPackageDir, confluentCacheDir } from "../confluent/location.ts";

// Type names rather than FFIType's values, and `bun:ffi` required only when opening, so this
// module can be bundled for Node.js (the confluent suite) without being run there.
const ptr = "ptr";
const i32 = "i32";
const u64 = "u64";
const cstring = "cstring";
const none = "void";

/** Every function the producer calls. A library lacking one of them does not load. */
const SYMBOLS = {
  rd_kafka_version: { args: [], returns: i32 },
  rd_kafka_version_str: { args: [], returns: cstring },
  rd_kafka_conf_new: { args: [], returns: ptr },
  rd_kafka_conf_set: { args: [ptr, ptr, ptr, ptr, u64], returns: i32 },
  rd_kafka_conf_set_events: { args: [ptr, i32], returns: none },
  rd_kafka_conf_destroy: { args: [ptr], returns: none },
  rd_kafka_new: { args: [i32, ptr, ptr, u64], returns: ptr },
  rd_kafka_destroy: { args: [ptr], returns: none },
  rd_kafka_queue_get_main: { args: [ptr], returns: ptr },
  rd_kafka_queue_destroy: { args: [ptr], returns: none },
  rd_kafka_queue_io_event_enable: { args: [ptr, i32, ptr, u64], returns: none },
  rd_kafka_queue_poll: { args: [ptr, i32], returns: ptr },
  rd_kafka_set_log_queue: { args: [ptr, ptr], returns: i32 },
  rd_kafka_event_type: { args: [ptr], returns: i32 },
  rd_kafka_event_message_array: { args: [ptr, ptr, u64], returns: u64 },
  rd_kafka_event_error: { args: [ptr], returns: i32 },
  rd_kafka_event_error_string: { args: [ptr], returns: cstring },
  rd_kafka_event_error_is_fatal: { args: [ptr], returns: i32 },
  rd_kafka_event_stats: { args: [ptr], returns: cstring },
  rd_kafka_event_log: { args: [ptr, ptr, ptr, ptr], returns: i32 },
  rd_kafka_event_destroy: { args: [ptr], returns: none },
  rd_kafka_topic_new: { args: [ptr, ptr, ptr], returns: ptr },
  rd_kafka_topic_destroy: { args: [ptr], returns: none },
  rd_kafka_produceva: { args: [ptr, ptr, u64], returns: ptr },
  rd_kafka_error_code: { args: [ptr], returns: i32 },
  rd_kafka_error_string: { args: [ptr], returns: cstring },
  rd_kafka_error_is_retriable: { args: [ptr], returns: i32 },
  rd_kafka_error_is_fatal: { args: [ptr], returns: i32 },
  rd_kafka_error_destroy: { args: [ptr], returns: none },
  rd_kafka_err2name: { args: [i32], returns: cstring },
  rd_kafka_err2str: { args: [i32], returns: cstring },
  rd_kafka_outq_len: { args: [ptr], returns: i32 },
  rd_kafka_purge: { args: [ptr, i32], returns: i32 },
  rd_kafka_fatal_error: { args: [ptr, ptr, u64], returns: i32 },
  rd_kafka_controllerid: { args: [ptr, i32], returns: i32 },
} as const;

/** The pipe librdkafka writes to when its queue gets events: how Bun's event loop is woken. */
const LIBC_SYMBOLS = {
  pipe2: { args: [ptr, i32], returns: i32 },
  close: { args: [i32], returns: i32 },
} as const;

export type RdKafka = Library<typeof SYMBOLS>["symbols"];
export type Libc = Library<typeof LIBC_SYMBOLS>["symbols"];

/** rd_kafka_produceva (1.4) is the newest function used; 2.0.2 is Debian 12's. */
const MIN_VERSION = 0x010400ff;

export interface Librdkafka {
  rd: RdKafka;
  libc: Libc;
  /** Where it was loaded from. */
  path: string;
  /** librdkafka's own version string, e.g. "2.15.1". */
  version: string;
}

export type LibrdkafkaLoad = { ok: true; library: Librdkafka } | { ok: false; reason: string };

export interface Candidate {
  path: string;
  /** Why it is tried: "LIBRDKAFKA_PATH", "confluent build", "system". */
  source: string;
}

/** The library files to try, in order; see the header. */
export function candidates(env: NodeJS.ProcessEnv = process.env): Candidate[] {
  const explicit = env.LIBRDKAFKA_PATH?.trim();
  if (explicit) return [{ path: explicit, source: "LIBRDKAFKA_PATH" }];
  // The build is keyed by the Node ABI it was made for; librdkafka itself does not care, so any
  // build of the pinned client version will do.
  const build = join(cachedPackageDir(confluentCacheDir("115", env)), "build", "deps");
  return [
    { path: join(build, "librdkafka.so.1"), source: "confluent build" },
    { path: "librdkafka.so.1", source: "system" },
  ];
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

function open(candidate: Candidate): Librdkafka {
  if (candidate.path.includes("/") && !existsSync(candidate.path)) {
    throw new Error("no such file");
  }
  const { dlopen } = require("bun:ffi") as typeof import("bun:ffi");
  const rd = dlopen(candidate.path, SYMBOLS).symbols;
  const version = rd.rd_kafka_version();
  const versionText = String(rd.rd_kafka_version_str());
  if (version < MIN_VERSION) throw new Error(`version ${versionText} is older than 1.4.0`);
  const libc = dlopen(`libc.${process.platform === "darwin" ? "dylib" : "so.6"}`, LIBC_SYMBOLS);
  return { rd, libc: libc.symbols, path: candidate.path, version: versionText };
}

const cached = new Map<string, LibrdkafkaLoad>();

/**
 * Tries the candidates once per process and LIBRDKAFKA_PATH value (a shared object cannot be
 * unloaded anyway; the value may differ between a process's environment and a test's).
 */
export function loadLibrdkafka(env: NodeJS.ProcessEnv = process.env): LibrdkafkaLoad {
  const key = env.LIBRDKAFKA_PATH ?? "";
  let loaded = cached.get(key);
  if (!loaded) {
    loaded = attempt(env);
    cached.set(key, loaded);
  }
  return loaded;
}

function attempt(env: NodeJS.ProcessEnv): LibrdkafkaLoad {
  if (typeof Bun === "undefined") return { ok: false, reason: "bun:ffi needs the Bun runtime" };
  const reasons: string[] = [];
  for (const candidate of candidates(env)) {
    try {
      return { ok: true, library: open(candidate) };
    } catch (error) {
      reasons.push(`${candidate.source} ${candidate.path}: ${firstLine(error)}`);
    }
  }
  return { ok: false, reason: reasons.join("; ") };
}
