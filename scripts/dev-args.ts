// `bun run dev [--replicas N] [app…]`: which apps to run and how many of each. APP_REPLICAS
// sets the count where a wrapper cannot pass flags (npm scripts, CI); the flag wins over it.
import { APP_NAMES, type AppName, MAX_REPLICAS } from "../lib/service/src/apps.ts";

export interface DevArgs {
  /** The apps named on the command line, or all six. */
  apps: AppName[];
  /** Instances of each app, 1 to MAX_REPLICAS. */
  replicas: number;
}

export const DEV_USAGE = `usage: bun run dev [--replicas N] [${APP_NAMES.join("|")}…]  (N: 1–${MAX_REPLICAS}, default APP_REPLICAS or 1)`;

export class DevArgsError extends Error {}

function replicaCount(raw: string, from: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_REPLICAS)
    throw new DevArgsError(`${from}=${raw} is not a replica count from 1 to ${MAX_REPLICAS}`);
  return n;
}

export function parseDevArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): DevArgs {
  let replicas = env.APP_REPLICAS ? replicaCount(env.APP_REPLICAS, "APP_REPLICAS") : 1;
  const apps: AppName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--replicas" || arg.startsWith("--replicas=")) {
      const value = arg === "--replicas" ? argv[++i] : arg.slice("--replicas=".length);
      if (value === undefined) throw new DevArgsError(`--replicas needs a count\n${DEV_USAGE}`);
      replicas = replicaCount(value, "--replicas");
    } else if ((APP_NAMES as string[]).includes(arg)) {
      if (!apps.includes(arg as AppName)) apps.push(arg as AppName);
    } else {
      throw new DevArgsError(`unknown argument ${arg}\n${DEV_USAGE}`);
    }
  }
  return { apps: apps.length > 0 ? apps : [...APP_NAMES], replicas };
}
