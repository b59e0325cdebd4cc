// The names the apps emit, in each OTEL_SEMCONV_STABILITY_OPT_IN mode, checked against
// @opentelemetry/semantic-conventions itself: adder and totalizer run as processes, one Add
// goes through gRPC, Kafka and PostgreSQL, and its trace is read back from Jaeger and the
// apps' /metrics.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { loadProto } from "@obs/proto";
import * as stable from "@opentelemetry/semantic-conventions";
import * as incubating from "@opentelemetry/semantic-conventions/incubating";
import { APPS } from "../../lib/service/src/apps.ts";
import {
  assertAppPortsFree,
  describeSpans,
  type JaegerTrace,
  type RunningApp,
  runApps,
  stopApp,
} from "../support/apps.ts";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";
import { metricsText } from "../support/metrics.ts";

/** Every attribute name the package defines (stable and incubating, deprecated included). */
const KNOWN = new Set(
  Object.entries({ ...stable, ...incubating })
    .filter(([name, value]) => name.startsWith("ATTR_") && typeof value === "string")
    .map(([, value]) => value as string),
);
/** The names 1.45 deprecates that these apps emitted before: only under `…/dup`. */
const DEPRECATED = {
  rpc: [
    incubating.ATTR_RPC_SYSTEM,
    incubating.ATTR_RPC_SERVICE,
    incubating.ATTR_RPC_GRPC_STATUS_CODE,
  ],
  messaging: [
    incubating.ATTR_MESSAGING_SYSTEM,
    incubating.ATTR_MESSAGING_KAFKA_OFFSET,
    incubating.ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
  ],
};
/** The current names each span kind must carry. */
const CURRENT = {
  rpc: [stable.ATTR_RPC_SYSTEM_NAME, stable.ATTR_RPC_METHOD, stable.ATTR_RPC_STATUS_CODE],
  messaging: [
    incubating.ATTR_MESSAGING_SYSTEM_NAME,
    incubating.ATTR_MESSAGING_DESTINATION_NAME,
    incubating.ATTR_MESSAGING_OPERATION_NAME,
  ],
  consumer: [incubating.ATTR_KAFKA_OFFSET, incubating.ATTR_MESSAGING_CONSUMER_GROUP_NAME],
  db: [stable.ATTR_DB_SYSTEM_NAME, stable.ATTR_DB_NAMESPACE, stable.ATTR_DB_QUERY_SUMMARY],
};
/** Namespaces the conventions own; anything else on a span is the app's own vocabulary. */
const SEMCONV_NAMESPACES = /^(rpc|messaging|kafka|db|server|client|network|error|http|url)\./;

const NAMES = ["adder", "totalizer"] as const;
const { grpc: proto } = loadProto("adder");
let apps: Partial<Record<(typeof NAMES)[number], RunningApp>> = {};

beforeAll(async () => {
  await ensureInfra();
  await assertAppPortsFree(NAMES);
}, 600_000);

afterEach(async () => {
  await Promise.all(Object.values(apps).map(stopApp));
  apps = {};
}, 30_000);

/** One Add with a trace id of ours; its spans from Jaeger once the totalizer's are in. */
async function addAndReadTrace() {
  const traceId = crypto.randomUUID().replaceAll("-", "");
  const client = new proto.adder.v1.Adder(
    `127.0.0.1:${APPS.adder.grpcPort}`,
    grpc.credentials.createInsecure(),
  );
  const metadata = new grpc.Metadata();
  metadata.set("traceparent", `00-${traceId}-${"ef".repeat(8)}-01`);
  await new Promise((resolve, reject) =>
    client.Add({ a: "2", b: "3" }, metadata, (error: unknown, reply: unknown) =>
      error ? reject(error) : resolve(reply),
    ),
  );
  client.close();
  return eventually(
    "the Add's trace with the totalizer's statements",
    async () => {
      const response = await fetch(`${ENDPOINTS.jaegerQuery}/api/traces/${traceId}`);
      if (!response.ok) return undefined;
      const [trace] = ((await response.json()) as { data: JaegerTrace[] }).data;
      const spans = trace ? describeSpans(trace) : [];
      const complete =
        spans.some((s) => s.kind === "consumer") &&
        spans.some((s) => s.service === "totalizer" && s.tags["db.system.name"]);
      return complete ? spans : undefined;
    },
    30_000,
    300,
  );
}

const MODES = [
  { env: undefined, rpc: "current", messaging: "current" },
  { env: "rpc,messaging", rpc: "current", messaging: "current" },
  { env: "rpc/dup,messaging/dup", rpc: "dup", messaging: "dup" },
  { env: "http,messaging/dup", rpc: "current", messaging: "dup" },
] as const;

describe("OTEL_SEMCONV_STABILITY_OPT_IN", () => {
  for (const mode of MODES) {
    test(`${mode.env ?? "(unset)"}: RPC ${mode.rpc}, messaging ${mode.messaging}`, async () => {
      const env: Record<string, string> = mode.env
        ? { OTEL_SEMCONV_STABILITY_OPT_IN: mode.env }
        : {};
      apps = await runApps(NAMES, () => ({ env }));
      const spans = await addAndReadTrace();
      const semconvKeys = (tags: Record<string, unknown>) =>
        Object.keys(tags).filter((k) => SEMCONV_NAMESPACES.test(k));

      // Every convention-namespaced name on every span is one the package defines.
      for (const span of spans)
        for (const key of semconvKeys(span.tags))
          expect({ span: span.name, key, known: KNOWN.has(key) }).toEqual({
            span: span.name,
            key,
            known: true,
          });

      const server = spans.find((s) => s.kind === "server" && s.service === "adder");
      const producer = spans.find((s) => s.kind === "producer");
      const consumer = spans.find((s) => s.kind === "consumer");
      const statement = spans.find((s) => s.tags[stable.ATTR_DB_SYSTEM_NAME] === "postgresql");
      for (const [span, want] of [
        [server, CURRENT.rpc],
        [producer, CURRENT.messaging],
        [consumer, [...CURRENT.messaging, ...CURRENT.consumer]],
        [statement, CURRENT.db],
      ] as const)
        expect(semconvKeys(span?.tags ?? {})).toEqual(expect.arrayContaining([...want]));
      expect(server?.tags[stable.ATTR_RPC_METHOD]).toBe("adder.v1.Adder/Add");
      expect(server?.tags[stable.ATTR_RPC_STATUS_CODE]).toBe("OK");

      const has = (span: typeof server, names: readonly string[]) =>
        names.map((name) => span?.tags[name] !== undefined);
      expect(has(server, DEPRECATED.rpc)).toEqual(DEPRECATED.rpc.map(() => mode.rpc === "dup"));
      for (const span of [producer, consumer])
        expect(has(span, DEPRECATED.messaging)).toEqual(
          DEPRECATED.messaging.map(() => mode.messaging === "dup"),
        );

      // The RPC histogram's labels follow the same mode.
      const text = await metricsText(apps.adder as RunningApp);
      const line = text
        .split("\n")
        .find((l) => l.startsWith("rpc_server_call_duration_seconds_count{") && l.includes("/Add"));
      const labels = [...(line ?? "").matchAll(/(\w+)="/g)].map((m) => m[1]);
      const sanitize = (name: string) => name.replaceAll(".", "_");
      expect(labels).toEqual(expect.arrayContaining(CURRENT.rpc.map(sanitize)));
      for (const old of DEPRECATED.rpc)
        expect({ old, present: labels.includes(sanitize(old)) }).toEqual({
          old,
          present: mode.rpc === "dup",
        });
    }, 120_000);
  }
});
