// Alert rules: valid, covered by promtool unit tests that can fail, and loaded by the live
// Prometheus that `infra:up` started with infra/prometheus/prometheus.yml.
import { beforeAll, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENDPOINTS, ensureInfra } from "../support/infra.ts";

const prometheusDir = join(import.meta.dir, "..", "..", "infra", "prometheus");
const testFiles = readdirSync(join(prometheusDir, "tests")).filter((f) => f.endsWith(".yml"));

// First start of the infrastructure can take minutes (builds, downloads). A running
// Prometheus re-reads its config and rules, so edits to infra/prometheus are what is tested.
beforeAll(async () => {
  await ensureInfra();
  await fetch(`${ENDPOINTS.prometheus}/-/reload`, { method: "POST" });
}, 600_000);

async function promtool(
  args: string[],
  cwd = prometheusDir,
): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(["promtool", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, output: `${out}${err}` };
}

test("promtool accepts the Prometheus config and every rule file", async () => {
  const result = await promtool(["check", "config", "prometheus.yml"]);
  expect(result.output).toContain("SUCCESS");
  expect(result.code).toBe(0);
});

test("promtool unit tests pass for every rule file", async () => {
  expect(testFiles.length).toBeGreaterThan(0);
  const result = await promtool(["test", "rules", ...testFiles.map((f) => join("tests", f))]);
  if (result.code !== 0) console.error(result.output);
  expect(result.code).toBe(0);
});

test("the unit tests catch a changed threshold", async () => {
  const copy = mkdtempSync(join(tmpdir(), "rules-mutant-"));
  try {
    cpSync(prometheusDir, copy, { recursive: true });
    const rules = join(copy, "rules", "kafka.yml");
    writeFileSync(rules, readFileSync(rules, "utf8").replace("[5m])) > 500", "[5m])) > 2000"));
    const result = await promtool(["test", "rules", "tests/kafka_test.yml"], copy);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("KafkaMessageLatencyHigh");
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test("the live Prometheus has loaded every alert rule", async () => {
  const response = await fetch(`${ENDPOINTS.prometheus}/api/v1/rules?type=alert`);
  const body = (await response.json()) as {
    data: { groups: { rules: { name: string; health: string }[] }[] };
  };
  const loaded = body.data.groups.flatMap((g) => g.rules);
  const defined = [...readdirSync(join(prometheusDir, "rules"))].flatMap((f) =>
    [...readFileSync(join(prometheusDir, "rules", f), "utf8").matchAll(/- alert: (\w+)/g)].map(
      (m) => m[1] ?? "",
    ),
  );
  expect(loaded.map((r) => r.name).sort()).toEqual(defined.sort());
  expect(loaded.every((r) => r.health !== "err")).toBe(true);
});
