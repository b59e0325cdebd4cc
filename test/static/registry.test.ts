// One app registry (lib/service/src/apps.ts): everything that lists the apps agrees with it —
// Prometheus' scrape targets, the README's ports table, the reserved ports, the protos and each
// app's folder. Adding a seventh app is one entry there plus its folder; this says what else.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PORTS } from "../../infra/local/config.ts";
import { RESERVED } from "../../infra/local/reserve-ports.ts";
import { PROTO_FILES } from "../../lib/proto/src/index.ts";
import { APP_NAMES, APPS, MAX_REPLICAS, replicaPorts } from "../../lib/service/src/apps.ts";

const repo = join(import.meta.dir, "..", "..");
const read = (path: string) => readFileSync(join(repo, path), "utf8");

const everyReplica = APP_NAMES.flatMap((name) =>
  Array.from({ length: MAX_REPLICAS }, (_, replica) => ({
    name,
    replica,
    ...replicaPorts(name, replica),
  })),
);

test("Prometheus scrapes every app, on its HTTP port, labelled with its name", () => {
  const config = Bun.YAML.parse(read("infra/prometheus/prometheus.yml")) as {
    scrape_configs: {
      job_name: string;
      static_configs: { targets: string[]; labels?: { app?: string } }[];
      file_sd_configs?: { files: string[] }[];
    }[];
  };
  const apps = config.scrape_configs.find((job) => job.job_name === "apps");
  const targets = (apps?.static_configs ?? []).map((c) => ({
    app: c.labels?.app,
    targets: c.targets,
  }));
  expect(targets).toEqual(
    APP_NAMES.map((name) => ({ app: name, targets: [`localhost:${APPS[name].httpPort}`] })),
  );
  // Further replicas come from the file `bun run dev --replicas N` writes (scrape-targets.ts).
  expect(apps?.file_sd_configs).toEqual([expect.objectContaining({ files: ["targets/*.json"] })]);
});

test("replica ports are distinct and clash with no infrastructure or benchmark port", () => {
  const appPorts = everyReplica.flatMap((r) => [r.grpcPort, r.httpPort]);
  expect(new Set(appPorts).size).toBe(appPorts.length);
  // The infrastructure's defaults (a 3-node Kafka takes 19092–19097; Grafana 3000) and ports
  // as moved now, and where the gRPC benchmark (+100) and the load test (+200) run their apps.
  const infra = [19092, 19093, 19094, 19095, 19096, 19097, 55432, 16685, 16686, 4317, 4318];
  infra.push(13133, 8888, 14317, 14318, 9099, 3000, ...Object.values(PORTS));
  const benchmarks = APP_NAMES.flatMap((name) =>
    [100, 200].flatMap((shift) => [APPS[name].grpcPort + shift, APPS[name].httpPort + shift]),
  );
  const others = new Set([...infra, ...benchmarks]);
  expect(appPorts.filter((port) => others.has(port))).toEqual([]);
});

test("the README's ports table lists every app with its ports", () => {
  const rows = [...read("README.md").matchAll(/^\| (\w+)\s+\| (\d+)\s+\| (\d+)\s+\|$/gm)].map(
    (m) => ({ name: m[1], grpcPort: Number(m[2]), httpPort: Number(m[3]) }),
  );
  expect(rows).toEqual(
    APP_NAMES.map((name) => ({
      name,
      grpcPort: APPS[name].grpcPort,
      httpPort: APPS[name].httpPort,
    })),
  );
});

test("the kernel is asked to keep every app's gRPC port free, of every replica", () => {
  const ranges = RESERVED.map((r) => r.split("-").map(Number)) as [number, number?][];
  for (const { name, replica, grpcPort: port } of everyReplica) {
    const reserved = ranges.some(([lo, hi = lo]) => port >= lo && port <= hi);
    expect({ name, replica, reserved }).toEqual({ name, replica, reserved: true });
  }
});

test("every app has its protos, its folder with a README, app.ts and main.ts, and its schema's migrations", () => {
  for (const name of APP_NAMES) {
    const missing = [
      ...(name in PROTO_FILES ? [] : ["an entry in lib/proto PROTO_FILES"]),
      ...["README.md", "package.json", "src/app.ts", "src/main.ts"]
        .map((file) => `apps/${name}/${file}`)
        .filter((path) => !existsSync(join(repo, path))),
      ...(APPS[name].schema && !existsSync(join(repo, `apps/${name}/drizzle`))
        ? [`apps/${name}/drizzle`]
        : []),
    ];
    expect({ name, missing }).toEqual({ name, missing: [] });
  }
});
