// The Kubernetes manifests validate (bun run k8s:check), agree with the app registry, and
// the check really catches mistakes: each case renders a copy of the manifests with one
// error in it and must fail on the object that carries it. The first run builds the checker
// (Go module proxy, about two minutes); later runs reuse it from the cache.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APP_NAMES, APPS } from "../../lib/service/src/apps.ts";
import { ensureChecker, KUBERNETES_DIR, kustomizations, runChecker } from "./k8s-check.ts";

let checker = "";
const scratch = mkdtempSync(join(tmpdir(), "k8s-check-"));

beforeAll(() => {
  checker = ensureChecker(() => {});
}, 900_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects, read field by field
type K8sObject = any;

function render(dir: string): K8sObject[] {
  const out = join(scratch, `rendered-${Math.random().toString(36).slice(2)}.yaml`);
  const result = runChecker(checker, [dir], { render: out });
  expect(result.code).toBe(0);
  return Bun.YAML.parse(readFileSync(out, "utf8")) as K8sObject[];
}

const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

test("base and every overlay render, and every object is valid", () => {
  const dirs = kustomizations();
  expect(dirs.map((d) => d.slice(KUBERNETES_DIR.length + 1))).toEqual(["base", "overlays/dev"]);
  const { code, output } = runChecker(checker, dirs);
  if (code !== 0) console.error(output);
  expect(code).toBe(0);
  for (const dir of dirs) {
    expect(output).toMatch(new RegExp(`${dir}: \\d+ objects, 0 invalid\\n`));
    for (const app of APP_NAMES)
      expect(output).toMatch(new RegExp(`${dir}: ok +apps/v1 Deployment \\S+/${app}\\n`));
  }
});

describe("the manifests follow the app registry (lib/service/src/apps.ts)", () => {
  const base = () => render(join(KUBERNETES_DIR, "base"));

  test("each app: its command, ports, probes, scrape port, Service and PDB", () => {
    const objects = base();
    for (const app of APP_NAMES) {
      const { grpcPort, httpPort } = APPS[app];
      const deployment = find(objects, "Deployment", app);
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      const pod = deployment.spec.template;
      const [container] = pod.spec.containers;
      expect(container.command).toEqual(["bun", `apps/${app}/src/main.ts`]);
      expect(container.image).toBe("observable-services:0.1.0");
      expect(container.ports).toEqual([
        { name: "grpc", containerPort: grpcPort },
        { name: "http", containerPort: httpPort },
      ]);
      expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
      expect(pod.metadata.annotations["prometheus.io/port"]).toBe(String(httpPort));
      expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
      // Apps with a schema wait for the migration Job; the adder has none.
      const waits = (pod.spec.initContainers ?? []).map((c: K8sObject) => c.name);
      expect(waits).toEqual(APPS[app].schema ? ["wait-for-migrations"] : []);
      const service = find(objects, "Service", app);
      expect(service.spec.ports.map((p: K8sObject) => p.port)).toEqual([grpcPort, httpPort]);
      expect(find(objects, "PodDisruptionBudget", app)).toBeDefined();
    }
  });

  test("the orchestrator reaches accounts and ledger through headless Services", () => {
    const objects = base();
    const env = find(objects, "Deployment", "orchestrator").spec.template.spec.containers[0].env;
    const value = (name: string) => env.find((e: K8sObject) => e.name === name)?.value;
    for (const [variable, app] of [
      ["ACCOUNTS_ADDR", "accounts"],
      ["LEDGER_ADDR", "ledger"],
    ] as const) {
      expect(value(variable)).toBe(`dns:///${app}-grpc:${APPS[app].grpcPort}`);
      const headless = find(objects, "Service", `${app}-grpc`);
      expect(headless.spec.clusterIP).toBe("None");
      expect(headless.spec.ports).toEqual([
        { name: "grpc", port: APPS[app].grpcPort, targetPort: "grpc" },
      ]);
    }
  });

  test("only the orchestrator may reach the ledger's gRPC port", () => {
    const policy = find(base(), "NetworkPolicy", "ledger-ingress");
    expect(policy.spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "ledger" });
    const grpcRules = policy.spec.ingress.filter((r: K8sObject) =>
      r.ports.some((p: K8sObject) => p.port === "grpc"),
    );
    expect(grpcRules.map((r: K8sObject) => r.from)).toEqual([
      [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "orchestrator" } } }],
    ]);
  });

  test("the dev overlay: one replica each, tag dev, its own namespace", () => {
    const objects = render(join(KUBERNETES_DIR, "overlays", "dev"));
    for (const app of APP_NAMES) {
      const deployment = find(objects, "Deployment", app);
      expect(deployment.metadata.namespace).toBe("observable-services-dev");
      expect(deployment.spec.replicas).toBe(1);
      expect(deployment.spec.template.spec.containers[0].image).toBe("observable-services:dev");
    }
    expect(
      objects.every(
        (o) => o.kind === "Namespace" || o.metadata.namespace === "observable-services-dev",
      ),
    ).toBe(true);
  });
});

describe("the check catches mistakes", () => {
  /** A copy of the manifests with `from` replaced by `to` in one file, checked. */
  function checkWithMistake(file: string, from: string | RegExp, to: string) {
    const root = mkdtempSync(join(scratch, "mistake-"));
    for (const dir of ["base", "overlays"])
      cpSync(join(KUBERNETES_DIR, dir), join(root, dir), { recursive: true });
    const path = join(root, "base", file);
    const text = readFileSync(path, "utf8");
    const changed = text.replace(from, to);
    expect(changed).not.toBe(text);
    writeFileSync(path, changed);
    return runChecker(checker, kustomizations(root));
  }

  test("a misspelled field (contianers)", () => {
    const { code, output } = checkWithMistake(
      "apps/adder.yaml",
      "      containers:",
      "      contianers:",
    );
    expect(code).toBe(1);
    expect(output).toMatch(
      /FAIL +apps\/v1 Deployment \S+\/adder: .*unknown field "spec\.template\.spec\.contianers"/,
    );
  });

  test('a wrong type (replicas: "two")', () => {
    const { code, output } = checkWithMistake("apps/ledger.yaml", "replicas: 2", 'replicas: "two"');
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL +apps\/v1 Deployment \S+\/ledger: .*replicas/);
  });

  test("a probe on a port the container does not declare", () => {
    const { code, output } = checkWithMistake(
      "patches/pod-defaults.yaml",
      /path: \/readyz\n(\s+)port: http/,
      "path: /readyz\n$1port: metrics",
    );
    expect(code).toBe(1);
    expect(output).toMatch(
      /FAIL +apps\/v1 Deployment \S+\/ledger: .*readinessProbe port metrics is not a port the container declares/,
    );
  });

  test("a Service that selects no pod", () => {
    const { code, output } = checkWithMistake(
      "apps/accounts.yaml",
      "  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: accounts",
      "  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: acounts",
    );
    expect(code).toBe(1);
    expect(output).toMatch(
      /FAIL +v1 Service \S+\/accounts: selector .* matches no Deployment's pods/,
    );
    expect(output).toMatch(/ok +v1 Service \S+\/accounts-grpc\n/);
  });

  test("a kind the API does not serve", () => {
    const { code, output } = checkWithMistake(
      "apps/adder.yaml",
      "apiVersion: policy/v1\n",
      "apiVersion: policy/v2\n",
    );
    expect(code).toBe(1);
    expect(output).toMatch(
      /FAIL +policy\/v2 PodDisruptionBudget \S+\/adder: .*no kind "PodDisruptionBudget" is registered for version "policy\/v2"/,
    );
  });
});
