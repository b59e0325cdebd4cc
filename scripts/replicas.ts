// The app processes of `bun run dev --replicas N`: N instances of each app, each on its
// replica's ports (lib/service/src/apps.ts), and what an instance needs to know about the
// others — the orchestrator gets every ledger and accounts instance, which its round_robin
// channels spread calls over. Kafka consumer groups and the outbox relays need nothing: the
// instances of an app share them by construction.
import { type AppName, replicaPorts } from "../lib/service/src/apps.ts";

export interface AppInstance {
  app: AppName;
  replica: number;
  /** Log prefix and service.instance.id: `ledger`, or `ledger-2` when there are replicas. */
  label: string;
  grpcPort: number;
  httpPort: number;
}

export function planInstances(apps: readonly AppName[], replicas: number): AppInstance[] {
  return apps.flatMap((app) =>
    Array.from({ length: replicas }, (_, replica) => ({
      app,
      replica,
      label: replicas > 1 ? `${app}-${replica}` : app,
      ...replicaPorts(app, replica),
    })),
  );
}

/** The orchestrator's upstreams, by the variables its config reads. */
const UPSTREAMS = { LEDGER_ADDR: "ledger", ACCOUNTS_ADDR: "accounts" } as const;

/**
 * Variables of one instance beyond the shared ones: its ports; for a replicated run its
 * service.instance.id (so Jaeger tells the instances apart); for the orchestrator the
 * comma-separated gRPC addresses of every planned instance of ledger and accounts, unless
 * `env` already points it somewhere. An upstream this run does not start keeps the default.
 */
export function instanceEnv(
  instance: AppInstance,
  plan: readonly AppInstance[],
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const vars: Record<string, string> = {
    GRPC_PORT: String(instance.grpcPort),
    HTTP_PORT: String(instance.httpPort),
  };
  if (instance.label !== instance.app) {
    const own = `service.instance.id=${instance.label}`;
    vars.OTEL_RESOURCE_ATTRIBUTES = env.OTEL_RESOURCE_ATTRIBUTES
      ? `${env.OTEL_RESOURCE_ATTRIBUTES},${own}`
      : own;
  }
  if (instance.app === "orchestrator") {
    for (const [variable, upstream] of Object.entries(UPSTREAMS)) {
      const peers = plan.filter((i) => i.app === upstream);
      if (env[variable] || peers.length < 2) continue;
      vars[variable] = peers.map((i) => `127.0.0.1:${i.grpcPort}`).join(",");
    }
  }
  return vars;
}
