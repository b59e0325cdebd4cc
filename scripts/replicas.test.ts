import { describe, expect, test } from "bun:test";
import { instanceEnv, planInstances } from "./replicas.ts";
import { fileSdGroups } from "./scrape-targets.ts";

describe("the replicas bun run dev starts", () => {
  test("one replica: today's names and ports, and nothing more in the environment", () => {
    const plan = planInstances(["ledger", "orchestrator"], 1);
    expect(plan).toEqual([
      { app: "ledger", replica: 0, label: "ledger", grpcPort: 50053, httpPort: 9092 },
      { app: "orchestrator", replica: 0, label: "orchestrator", grpcPort: 50056, httpPort: 9095 },
    ]);
    expect(instanceEnv(plan[1] as (typeof plan)[number], plan, {})).toEqual({
      GRPC_PORT: "50056",
      HTTP_PORT: "9095",
    });
    expect(fileSdGroups(plan)).toEqual([]);
  });

  test("replica k: its ports + 10k, labelled app-k, and the orchestrator sees every ledger", () => {
    const plan = planInstances(["ledger", "orchestrator"], 2);
    expect(plan.map((i) => [i.label, i.grpcPort, i.httpPort])).toEqual([
      ["ledger-0", 50053, 9092],
      ["ledger-1", 50063, 9102],
      ["orchestrator-0", 50056, 9095],
      ["orchestrator-1", 50066, 9105],
    ]);
    const orchestrator = plan[3] as (typeof plan)[number];
    expect(instanceEnv(orchestrator, plan, { OTEL_RESOURCE_ATTRIBUTES: "team=x" })).toEqual({
      GRPC_PORT: "50066",
      HTTP_PORT: "9105",
      OTEL_RESOURCE_ATTRIBUTES: "team=x,service.instance.id=orchestrator-1",
      // accounts is not in this run: the orchestrator keeps its default for it.
      LEDGER_ADDR: "127.0.0.1:50053,127.0.0.1:50063",
    });
    // An address given by the user wins.
    expect(instanceEnv(orchestrator, plan, { LEDGER_ADDR: "10.0.0.1:1" }).LEDGER_ADDR).toBe(
      undefined,
    );
    expect(fileSdGroups(plan)).toEqual([
      { targets: ["localhost:9102"], labels: { app: "ledger" } },
      { targets: ["localhost:9105"], labels: { app: "orchestrator" } },
    ]);
  });
});
