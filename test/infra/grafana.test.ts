// Grafana is not installable here (no Debian package), so dashboards are checked the other
// ways: their sources are typed by @grafana/schema (tsc), the provisioned JSON matches them,
// and every panel query is valid PromQL for the live Prometheus. That the queries return
// data under real traffic is checked by the apps' end-to-end tests.
import { beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { DASHBOARDS } from "../../infra/grafana/build.ts";
import { expressions } from "../../infra/grafana/src/panels.ts";
import { ENDPOINTS, ensureInfra } from "../support/infra.ts";

// First start of the infrastructure can take minutes (builds, downloads).
beforeAll(ensureInfra, 600_000);

test("provisioned dashboard JSON is generated from the typed sources", () => {
  const proc = Bun.spawnSync(
    ["bun", join(import.meta.dir, "../../infra/grafana/build.ts"), "--check"],
    { stderr: "pipe" },
  );
  expect(proc.stderr.toString()).toBe("");
  expect(proc.exitCode).toBe(0);
});

test("compose provisions the dashboards folder and both datasources", async () => {
  const compose = await Bun.file(join(import.meta.dir, "../../infra/compose.yml")).text();
  expect(compose).toContain("./grafana/dashboards:/var/lib/grafana/dashboards");
  const datasources = await Bun.file(
    join(import.meta.dir, "../../infra/grafana/provisioning/datasources/datasources.yml"),
  ).text();
  expect(datasources).toContain("uid: prometheus");
});

for (const [name, build] of Object.entries(DASHBOARDS)) {
  test(`every query of dashboard ${name} is valid PromQL for the live Prometheus`, async () => {
    const queries = expressions(build());
    expect(queries.length).toBeGreaterThan(0);
    for (const { panel, expr } of queries) {
      const response = await fetch(
        `${ENDPOINTS.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      const body = (await response.json()) as { status: string; error?: string };
      expect({ panel, expr, status: body.status, error: body.error }).toEqual({
        panel,
        expr,
        status: "success",
        error: undefined,
      });
    }
  });
}
