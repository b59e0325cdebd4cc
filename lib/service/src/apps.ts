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
