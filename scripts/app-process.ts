// Runs apps as child processes with their output prefixed by the app's name, one colour each,
// and stops them with SIGTERM (then SIGKILL) so none outlives the command that started it.
import { join } from "node:path";
import { ENDPOINTS } from "../infra/local/config.ts";
import { waitUntil } from "../infra/local/wait.ts";
import { databaseUrlFor } from "../lib/db/src/index.ts";
import { APPS, type AppName } from "../lib/service/src/apps.ts";

export interface AppProcess {
  name: AppName;
  /** What its log lines are prefixed with: the name, or `ledger-2` for a replica. */
  label: string;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
}

const COLOURS = [36, 33, 35, 32, 34, 31];
const useColour = process.stdout.isTTY && !process.env.NO_COLOR;

/** One colour per app, so an app's replicas read as one. */
function prefixFor(name: AppName, label: string, width: number): string {
  const text = `[${label}]`.padEnd(width);
  const colour = COLOURS[Object.keys(APPS).indexOf(name) % COLOURS.length];
  return useColour ? `\x1b[${colour}m${text}\x1b[0m` : text;
}

async function pipeLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  out: NodeJS.WriteStream,
) {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) out.write(`${prefix} ${line}\n`);
  }
  if (pending) out.write(`${prefix} ${pending}\n`);
}

export function startApp(
  name: AppName,
  options: {
    cwd: string;
    env: Record<string, string>;
    /** Log prefix; the app's name by default. */
    label?: string;
    /** Prefix column width, so the lines of every app start in one column. */
    width?: number;
  },
): AppProcess {
  const label = options.label ?? name;
  const proc = Bun.spawn(["bun", `apps/${name}/src/main.ts`], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const prefix = prefixFor(name, label, options.width ?? 14);
  void pipeLines(proc.stdout, prefix, process.stdout);
  void pipeLines(proc.stderr, prefix, process.stderr);
  void proc.exited.then((code) => {
    if (!proc.killed) process.stderr.write(`${prefix} exited with code ${code}\n`);
  });
  return { name, label, proc };
}

export async function stopApps(apps: AppProcess[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    apps.map(async ({ proc }) => {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await proc.exited;
      clearTimeout(timer);
    }),
  );
}

const repo = join(import.meta.dir, "..");

export interface RunningApp extends AppProcess {
  httpPort: number;
  grpcPort: number;
  url: (path: string) => string;
}

/**
 * Starts `name` against the local infrastructure and waits for its /healthz: what tests and
 * benchmarks use to run an app exactly as `bun run dev` does.
 */
export async function runApp(
  name: AppName,
  {
    httpPort = APPS[name].httpPort,
    grpcPort = APPS[name].grpcPort,
    env = {} as Record<string, string>,
    label = name as string,
  } = {},
): Promise<RunningApp> {
  const app = startApp(name, {
    cwd: repo,
    label,
    width: Math.max(14, label.length + 2),
    env: {
      KAFKA_BROKERS: ENDPOINTS.kafkaBrokers,
      DATABASE_URL: databaseUrlFor(name),
      OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINTS.otlpHttp,
      // Export spans quickly so a trace is in Jaeger within a second.
      OTEL_BSP_SCHEDULE_DELAY: "200",
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      ...env,
    },
  });
  const url = (path: string) => `http://127.0.0.1:${httpPort}${path}`;
  await waitUntil(
    `${label} /healthz`,
    async () => {
      if (app.proc.exitCode !== null) throw new Error(`${label} exited with ${app.proc.exitCode}`);
      return (await fetch(url("/healthz"))).ok;
    },
    { timeoutMs: 60_000 },
  );
  return { ...app, httpPort, grpcPort, url };
}

export async function stopApp(app: AppProcess): Promise<void> {
  await stopApps([app]);
}

/**
 * Starts several apps side by side. If one fails, the others that did start are stopped
 * before the error is rethrown, so no app outlives a failed start (and keeps its ports).
 */
export async function runApps<N extends AppName>(
  names: readonly N[],
  options: (name: N) => Parameters<typeof runApp>[1] = () => ({}),
): Promise<Record<N, RunningApp>> {
  const started = await Promise.allSettled(names.map((name) => runApp(name, options(name))));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(started.map((s) => (s.status === "fulfilled" ? stopApp(s.value) : null)));
    throw failed.reason;
  }
  return Object.fromEntries(
    started.map((s, i) => [names[i], (s as PromiseFulfilledResult<RunningApp>).value]),
  ) as Record<N, RunningApp>;
}
