// PostgreSQL from Debian, in a cluster of our own: own data dir under .local, own port,
// trust auth on loopback only. The server refuses to run as root, so as root it runs as the
// `postgres` system user that Debian's package creates — and when that user cannot enter the
// checkout (under /root, or a `mktemp -d` folder), the cluster lives in its home instead.
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ENDPOINTS, PORTS, STATE_DIR } from "../config.ts";
import { InfraError } from "../errors.ts";
import { ensurePostgresServer } from "../install.ts";
import { logFile, rememberPid, stopPid } from "../process.ts";
import type { Service } from "../service.ts";

/**
 * Whether the `postgres` user can reach `path`: every directory above it must let others
 * through (o+x). A checkout under /root or a `mktemp -d` directory (mode 700) does not.
 */
function reachableByOthers(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dirname(dir) === dir) return true;
  }
}

/**
 * The cluster's home: under .local like everything else, unless the server (run as `postgres`
 * when we are root) could not reach it there; then in postgres's own home, one folder per
 * checkout, so two checkouts never share a cluster.
 */
const home =
  process.getuid?.() === 0 && !reachableByOthers(STATE_DIR)
    ? join(
        "/var/lib/postgresql/observable-services",
        createHash("sha256").update(STATE_DIR).digest("hex").slice(0, 12),
      )
    : join(STATE_DIR, "postgres");
const dataDir = join(home, "data");
const socketDir = join(home, "run");

function asServerUser(cmd: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
}

function runOrThrow(cmd: string[], what: string): void {
  const proc = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) {
    throw new InfraError(
      `${what} failed: ${proc.stderr.toString().trim().split("\n").slice(-2).join(" | ")}`,
    );
  }
}

let binDir = "";

export const postgres: Service = {
  name: "postgres",
  readyTimeoutSeconds: 30,
  describe: () => ENDPOINTS.postgresUrl(),
  ports: () => [PORTS.postgres],

  async ready() {
    const isReady = join(binDir || ensurePostgresServer(), "pg_isready");
    const proc = Bun.spawnSync([
      isReady,
      "-q",
      "-h",
      "127.0.0.1",
      "-p",
      String(PORTS.postgres),
      "-U",
      "postgres",
    ]);
    return proc.exitCode === 0;
  },

  async prepare() {
    binDir = ensurePostgresServer();
  },

  async start() {
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(socketDir, { recursive: true });
    // The server writes its own log: next to the others, or in its home when it cannot reach them.
    const log = home.startsWith(STATE_DIR) ? logFile("postgres") : join(home, "postgres.log");
    mkdirSync(join(log, ".."), { recursive: true });
    if (process.getuid?.() === 0) {
      // The server runs as `postgres`, which must be able to reach its data dir.
      if (home.startsWith(STATE_DIR)) chmodSync(STATE_DIR, 0o755);
      for (const dir of [home, dataDir, socketDir])
        chownSync(dir, uid("postgres"), gid("postgres"));
      if (!existsSync(log)) await Bun.write(log, "");
      chownSync(log, uid("postgres"), gid("postgres"));
    }
    if (!existsSync(join(dataDir, "PG_VERSION"))) {
      runOrThrow(
        asServerUser([
          join(binDir, "initdb"),
          "-D",
          dataDir,
          "-U",
          "postgres",
          "--auth=trust",
          "--encoding=UTF8",
          "--no-sync",
        ]),
        "initdb",
      );
    }
    // pg_ctl forks the postmaster and returns; its pid is the first line of postmaster.pid.
    runOrThrow(
      asServerUser([
        join(binDir, "pg_ctl"),
        "start",
        "-D",
        dataDir,
        "-l",
        log,
        "-w",
        "-t",
        "30",
        "-o",
        `-p ${PORTS.postgres} -c listen_addresses=127.0.0.1 -k ${socketDir} -c max_connections=200`,
      ]),
      `pg_ctl start (log: ${log})`,
    );
    const pid = Number((await Bun.file(join(dataDir, "postmaster.pid")).text()).split("\n")[0]);
    rememberPid("postgres", pid, "postgres");
    return pid;
  },

  // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then exit cleanly.
  stop: (pid) => stopPid(pid, 30_000, "SIGINT"),
};

function uid(user: string): number {
  return Number(Bun.spawnSync(["id", "-u", user]).stdout.toString().trim());
}
function gid(user: string): number {
  return Number(Bun.spawnSync(["id", "-g", user]).stdout.toString().trim());
}
