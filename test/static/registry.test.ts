// One app registry (lib/service/src/apps.ts): everything that lists the apps agrees with it —
// Prometheus' scrape targets, the README's ports table, the reserved ports, the protos and each
// app's folder. Adding a seventh app is one entry there plus its folder; this says what else.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RESERVED } from "../../infra/local/reserve-ports.ts";
import { PROTO_FILES } from "../../lib/proto/src/index.ts";
import { APP_NAMES, APPS } from "../../lib/service/src/apps.ts";

const repo = join(import.meta.dir, "..", "..");
const read = (path: string) => readFileSync(join(repo, path), "utf8");

test("Prometheus scrapes every app, on its HTTP port, labelled with its name", () => {
  const config = Bun.YAML.parse(read("infra/prometheus/prometheus.yml")) as {
    scrape_configs: {
      job_name: string;
      static_configs: { targets: string[]; labels?: { app?: string } }[];
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

test("the kernel is asked to keep every app's gRPC port free", () => {
  const ranges = RESERVED.map((r) => r.split("-").map(Number)) as [number, number?][];
  for (const name of APP_NAMES) {
    const port = APPS[name].grpcPort;
    expect({ name, reserved: ranges.some(([lo, hi = lo]) => port >= lo && port <= hi) }).toEqual({
      name,
      reserved: true,
    });
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
