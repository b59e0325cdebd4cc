// Runs apps as child processes with their output prefixed by the app's name, one colour each,
// and stops them with SIGTERM (then SIGKILL) so none outlives the command that started it.
import { APPS, type AppName } from "../lib/service/src/apps.ts";

export interface AppProcess {
  name: AppName;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
}

const COLOURS = [36, 33, 35, 32, 34, 31];
const useColour = process.stdout.isTTY && !process.env.NO_COLOR;

function prefixFor(name: AppName): string {
  const label = `[${name}]`.padEnd(14);
  const colour = COLOURS[Object.keys(APPS).indexOf(name) % COLOURS.length];
  return useColour ? `\x1b[${colour}m${label}\x1b[0m` : label;
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
  options: { cwd: string; env: Record<string, string> },
): AppProcess {
  const proc = Bun.spawn(["bun", `apps/${name}/src/main.ts`], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const prefix = prefixFor(name);
  void pipeLines(proc.stdout, prefix, process.stdout);
  void pipeLines(proc.stderr, prefix, process.stderr);
  void proc.exited.then((code) => {
    if (!proc.killed) process.stderr.write(`${prefix} exited with code ${code}\n`);
  });
  return { name, proc };
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
