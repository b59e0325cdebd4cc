// Jaeger v2 built from the Go module proxy: OTLP in on 14317/14318 (behind the Collector, which
// owns 4317/4318), in-memory storage, query API on 16686. Built this way the UI is a
// placeholder page; the HTTP API is complete.
import { join } from "node:path";
import { ENDPOINTS, PORTS, REPO_ROOT } from "../config.ts";
import { ensureJaeger } from "../install.ts";
import { startDetached } from "../process.ts";
import type { Service } from "../service.ts";
import { httpOk } from "../wait.ts";

let binary = "";

export const jaeger: Service = {
  name: "jaeger",
  readyTimeoutSeconds: 30,
  describe: () =>
    `${ENDPOINTS.jaegerQuery} (OTLP ${ENDPOINTS.jaegerOtlpHttp}, grpc :${PORTS.jaegerOtlpGrpc})`,
  ports: () => [
    PORTS.jaegerOtlpGrpc,
    PORTS.jaegerOtlpHttp,
    PORTS.jaegerQuery,
    PORTS.jaegerQueryGrpc,
  ],
  ready: () => httpOk(`${ENDPOINTS.jaegerQuery}/api/services`),

  async prepare() {
    binary = ensureJaeger();
  },

  async start() {
    return startDetached(
      "jaeger",
      [binary, "--config", join(REPO_ROOT, "infra/jaeger/config.yaml")],
      {
        env: {
          OTLP_GRPC_PORT: String(PORTS.jaegerOtlpGrpc),
          OTLP_HTTP_PORT: String(PORTS.jaegerOtlpHttp),
          JAEGER_QUERY_PORT: String(PORTS.jaegerQuery),
          JAEGER_QUERY_GRPC_PORT: String(PORTS.jaegerQueryGrpc),
        },
      },
    );
  },
};
