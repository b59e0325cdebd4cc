// Prometheus 2.42 from Debian, in the foreground of its own session, with the repository's
// config (infra/prometheus) and a data dir under .local.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ENDPOINTS, PORTS, REPO_ROOT, STATE_DIR } from "../config.ts";
import { ensureAptPackages, which } from "../install.ts";
import { startDetached } from "../process.ts";
import type { Service } from "../service.ts";
import { httpOk } from "../wait.ts";

const dataDir = join(STATE_DIR, "prometheus", "data");

export const prometheus: Service = {
  name: "prometheus",
  readyTimeoutSeconds: 30,
  describe: () => ENDPOINTS.prometheus,
  ports: () => [PORTS.prometheus],
  ready: () => httpOk(`${ENDPOINTS.prometheus}/-/ready`),

  async prepare() {
    ensureAptPackages([
      { bin: "prometheus", pkg: "prometheus" },
      { bin: "promtool", pkg: "prometheus" },
    ]);
  },

  async start() {
    mkdirSync(dataDir, { recursive: true });
    return startDetached("prometheus", [
      which("prometheus") ?? "prometheus",
      `--config.file=${join(REPO_ROOT, "infra/prometheus/prometheus.yml")}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
      // Lets tests reload rules (POST /-/reload) without a restart.
      "--web.enable-lifecycle",
      // Keeps the exemplars the apps serve (OpenMetrics), so a latency bucket leads to a trace.
      "--enable-feature=exemplar-storage",
    ]);
  },
};
