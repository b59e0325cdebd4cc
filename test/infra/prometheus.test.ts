import { afterAll, beforeAll, expect, test } from "bun:test";
import { APPS } from "../../lib/service/src/apps.ts";
import { startHttpServer } from "../../lib/service/src/http.ts";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";

// First start of the infrastructure can take minutes (builds, downloads).
beforeAll(ensureInfra, 600_000);

const run = crypto.randomUUID();
// Serve /metrics on an app's port, as an app would: Prometheus's config must really scrape it.
const port = APPS.orchestrator.httpPort;
const server = (() => {
  try {
    return startHttpServer({
      port,
      metrics: async () => ({
        contentType: "text/plain; version=0.0.4",
        body: `# TYPE smoke_scrape_marker gauge\nsmoke_scrape_marker{run="${run}"} 42\n`,
      }),
    });
  } catch (error) {
    throw new Error(
      `port ${port} is busy (is \`bun run dev\` running?): ${(error as Error).message}`,
    );
  }
})();
afterAll(() => server.stop());

async function query(
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(
    `${ENDPOINTS.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`,
  );
  const json = (await response.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  expect(json.status).toBe("success");
  return json.data.result;
}

test("Prometheus scrapes an app port and answers a query with the served value", async () => {
  const [sample] = await eventually(
    "Prometheus to scrape the marker",
    async () => {
      const result = await query(`smoke_scrape_marker{run="${run}"}`);
      return result.length > 0 ? result : undefined;
    },
    30_000,
    500,
  );
  expect(sample?.value[1]).toBe("42");
  expect(sample?.metric).toMatchObject({
    job: "apps",
    app: "orchestrator",
    instance: `localhost:${port}`,
  });
}, 45_000);

test("Prometheus scrapes itself (its own target is up)", async () => {
  const result = await query('up{job="prometheus"}');
  expect(result[0]?.value[1]).toBe("1");
});
