// Starts long-running infrastructure processes detached from the CLI and remembers them in
// pid files, so `infra:down` stops exactly what `infra:up` started and nothing else.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { STATE_DIR } from "./config.ts";

export const LOG_DIR = join(STATE_DIR, "logs");
const PID_DIR = join(STATE_DIR, "run");

interface PidRecord {
  pid: number;
  /** Kernel start time of the process: guards against a recycled pid. */
  startTime: string;
  command: string;
}

export function logFile(name: string): string {
  return join(LOG_DIR, `${name}.log`);
}

function pidFile(name: string): string {
  return join(PID_DIR, `${name}.json`);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or undefined if gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after it are space-separated.
    const afterName = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return afterName[19];
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  const state = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
  })();
  if (state === undefined) return false;
  // A zombie has exited; it only waits for its parent to reap it.
  return state.slice(state.lastIndexOf(")") + 2, state.lastIndexOf(")") + 3) !== "Z";
}

/** The pid recorded for `name` if that very process still runs. */
export function runningPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, "utf8")) as PidRecord;
  if (isAlive(record.pid) && startTimeOf(record.pid) === record.startTime) return record.pid;
  rmSync(file, { force: true });
  return undefined;
}

/** Names whose recorded process still runs, whatever this invocation's settings would start. */
export function recordedNames(): string[] {
  if (!existsSync(PID_DIR)) return [];
  return readdirSync(PID_DIR)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .filter((name) => runningPid(name) !== undefined);
}

export function rememberPid(name: string, pid: number, command: string): void {
  const startTime = startTimeOf(pid);
  if (startTime === undefined) throw new Error(`${name} (pid ${pid}) exited at once`);
  mkdirSync(PID_DIR, { recursive: true });
  const record: PidRecord = { pid, startTime, command };
  writeFileSync(pidFile(name), `${JSON.stringify(record)}\n`);
}

export function forgetPid(name: string): void {
  rmSync(pidFile(name), { force: true });
}

/**
 * Spawns `cmd` in its own session with stdout/stderr appended to the service's log, so it
 * outlives the CLI and a Ctrl-C in the terminal does not reach it.
 */
export function startDetached(
  name: string,
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): number {
  const log = logFile(name);
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, "a");
  const [file, ...args] = cmd;
  if (file === undefined) throw new Error("empty command");
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  child.unref();
  rememberPid(name, child.pid, cmd.join(" "));
  return child.pid;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 20_000, signal: NodeJS.Signals = "SIGTERM") {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await Bun.sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
    while (isAlive(pid)) await Bun.sleep(50);
  }
}

/** Last lines of a service log, for error messages. */
export function tail(name: string, lines = 15): string {
  const file = logFile(name);
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its exit code and both outputs, read in parallel. */
export async function capture(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: Uint8Array } = {},
): Promise<Captured> {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}
