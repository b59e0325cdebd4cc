// The six apps and their default ports (brief: gRPC 50051–50056, HTTP 9090–9095). Shared by
// the apps themselves, `bun run dev`, the migrations and the tests, so a port lives in one place.
export interface AppSpec {
  name: AppName;
  grpcPort: number;
  httpPort: number;
  /** PostgreSQL schema owned by the app (one database per app in the local cluster). */
  schema: string | null;
}

export type AppName = "adder" | "totalizer" | "ledger" | "readmodel" | "accounts" | "orchestrator";

export const APPS: Record<AppName, AppSpec> = {
  adder: { name: "adder", grpcPort: 50051, httpPort: 9090, schema: null },
  totalizer: { name: "totalizer", grpcPort: 50052, httpPort: 9091, schema: "totalizer" },
  ledger: { name: "ledger", grpcPort: 50053, httpPort: 9092, schema: "ledger" },
  readmodel: { name: "readmodel", grpcPort: 50054, httpPort: 9093, schema: "readmodel" },
  accounts: { name: "accounts", grpcPort: 50055, httpPort: 9094, schema: "accounts" },
  orchestrator: { name: "orchestrator", grpcPort: 50056, httpPort: 9095, schema: "orchestrator" },
};

export const APP_NAMES = Object.keys(APPS) as AppName[];

/**
 * Replica k of an app (`bun run dev --replicas N`) listens on its ports + k × 10: the last
 * digit stays the app's, the tens digit is the replica (ledger: 50053/9092, 50063/9102,
 * 50073/9112, …), so replica 0 keeps the ports above. Ten replicas at most: the eleventh
 * would start at 50151/9190, where the gRPC benchmark runs its apps (the load test uses
 * 50251/9290), and 9099 (Prometheus) is never reached because app digits end at 5.
 */
export const REPLICA_PORT_STEP = 10;
export const MAX_REPLICAS = 10;

export function replicaPorts(
  name: AppName,
  replica: number,
): { grpcPort: number; httpPort: number } {
  if (!Number.isInteger(replica) || replica < 0 || replica >= MAX_REPLICAS)
    throw new RangeError(`replica ${replica} of ${name}: replicas are 0 to ${MAX_REPLICAS - 1}`);
  const shift = replica * REPLICA_PORT_STEP;
  return { grpcPort: APPS[name].grpcPort + shift, httpPort: APPS[name].httpPort + shift };
}
