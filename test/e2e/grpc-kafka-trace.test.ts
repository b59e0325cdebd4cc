// One request, one trace, in the real Jaeger: a gRPC client calls Adder.Add, whose handler
// produces to Kafka through @obs/kafka's tracing hooks, and a consumer processes the message.
// Spans go over OTLP/HTTP exactly as in production and are read back from Jaeger's query API.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import {
  type Consumer,
  createKafka,
  type Kafka,
  type KafkaMessage,
  kafkaTelemetry,
  type Logger,
  type Producer,
} from "@obs/kafka";
import {
  createClientInterceptor,
  instrumentServer,
  startTelemetry,
  type Telemetry,
} from "@obs/otel";
import { loadProto } from "@obs/proto";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";

const RUN = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
const SERVICE = `e2e-${RUN}`;
const TOPIC = `e2e.${RUN}.sums`;
const METHOD = "adder.v1.Adder/Add";

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
}

/** What /api/v3/traces/{id} returns: OTLP JSON with hex ids and numeric span kinds. */
interface OtlpTrace {
  result: {
    resourceSpans: {
      scopeSpans: {
        spans: {
          spanId: string;
          parentSpanId?: string;
          kind: number;
          links?: { spanId: string }[];
        }[];
      }[];
    }[];
  };
}
const OTLP_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const { grpc: proto } = loadProto("adder");
type AdderClient = InstanceType<typeof proto.adder.v1.Adder>;

let previousEndpoint: string | undefined;
let telemetry: Telemetry;
let kafka: Kafka;
let producer: Producer;
let consumer: Consumer;
let server: grpc.Server;
let client: AdderClient;
const consumed: KafkaMessage[] = [];

beforeAll(async () => {
  await ensureInfra();
  // Read when the OTLP exporter is built; set only after ensureInfra, which would otherwise
  // take a set endpoint to mean "Jaeger runs elsewhere" and not start it.
  previousEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = ENDPOINTS.otlpHttp;
  telemetry = startTelemetry({
    serviceName: SERVICE,
    processMetrics: false,
    logger: { destination: silent },
  });

  kafka = await createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
    clientId: SERVICE,
    adapter: "platformatic",
    logger: quiet,
    hooks: kafkaTelemetry(telemetry),
  });
  const admin = await kafka.admin();
  await admin.createTopics([{ topic: TOPIC, partitions: 1 }]);
  producer = await kafka.producer();
  consumer = kafka.consumer({
    groupId: `${TOPIC}.group`,
    topics: [TOPIC],
    eachMessage: (message) => {
      consumed.push(message);
    },
  });

  server = instrumentServer(new grpc.Server());
  server.addService(proto.adder.v1.Adder.service, {
    async Add(
      call: grpc.ServerUnaryCall<{ a?: string | null; b?: string | null }, unknown>,
      callback: grpc.sendUnaryData<{ sum: string }>,
    ) {
      const sum = String(Number(call.request.a) + Number(call.request.b));
      await producer.send([{ topic: TOPIC, key: RUN, value: JSON.stringify({ sum }) }]);
      callback(null, { sum });
    },
    AddStream(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
      callback({ code: grpc.status.UNIMPLEMENTED });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const target = `127.0.0.1:${port}`;
  client = new proto.adder.v1.Adder(target, grpc.credentials.createInsecure(), {
    interceptors: [createClientInterceptor({ target })],
  });
  await consumer.ready;
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  if (kafka) {
    const admin = await kafka.admin();
    await admin.deleteTopics([TOPIC]).catch(() => {});
    await kafka.close();
  }
  // Releases the global providers, so later test files in this process start clean.
  await telemetry?.shutdown();
  if (previousEndpoint === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = previousEndpoint;
});

function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

function refs(span: JaegerSpan, refType: string): string[] {
  return span.references.filter((r) => r.refType === refType).map((r) => r.spanID);
}

test("client → server → Kafka send → Kafka process is one connected trace in Jaeger", async () => {
  const response = await new Promise<{ sum: string }>((resolve, reject) =>
    client.Add({ a: "2", b: "40" }, (error, reply) =>
      error ? reject(error) : resolve(reply as { sum: string }),
    ),
  );
  expect(response.sum).toBe("42");
  await eventually("the message consumed", async () => (consumed.length > 0 ? true : undefined));

  const traces = await eventually(
    `four spans of ${SERVICE} in Jaeger`,
    async () => {
      // The process span ends just after the handler returns; flush on every attempt.
      await telemetry.forceFlush();
      const url = `${ENDPOINTS.jaegerQuery}/api/traces?service=${SERVICE}&limit=20&lookback=1h`;
      const response = await fetch(url);
      if (!response.ok) return undefined;
      const { data } = (await response.json()) as { data: JaegerTrace[] | null };
      const spanCount = (data ?? []).reduce((n, t) => n + t.spans.length, 0);
      return spanCount >= 4 ? (data ?? []) : undefined;
    },
    30_000,
    500,
  );

  expect(traces).toHaveLength(1);
  const [only] = traces;
  if (!only) throw new Error("no trace");
  const spans = only.spans;
  expect(spans.map((s) => s.operationName).sort()).toEqual(
    [METHOD, METHOD, `process ${TOPIC}`, `send ${TOPIC}`].sort(),
  );
  const byKind = (kind: string) => {
    const found = spans.filter((s) => tag(s, "span.kind") === kind);
    expect(found).toHaveLength(1);
    return found[0] as JaegerSpan;
  };
  const clientSpan = byKind("client");
  const serverSpan = byKind("server");
  const sendSpan = byKind("producer");
  const processSpan = byKind("consumer");
  expect(clientSpan.operationName).toBe(METHOD);
  expect(serverSpan.operationName).toBe(METHOD);
  expect(sendSpan.operationName).toBe(`send ${TOPIC}`);
  expect(processSpan.operationName).toBe(`process ${TOPIC}`);

  for (const span of spans) expect(span.traceID).toBe(only.traceID);
  expect(clientSpan.references).toEqual([]);
  expect(refs(serverSpan, "CHILD_OF")).toEqual([clientSpan.spanID]);
  expect(refs(sendSpan, "CHILD_OF")).toEqual([serverSpan.spanID]);
  // The process span's parent is the send span and nothing links to it again: Jaeger's OTLP
  // translator (collector-contrib pkg/translator/jaeger, makeJaegerProtoReferences) would
  // merge a link to the parent into one reference typed by the link, FOLLOWS_FROM.
  expect(processSpan.references.map((r) => [r.refType, r.spanID])).toEqual([
    ["CHILD_OF", sendSpan.spanID],
  ]);

  // The v3 API returns the stored OTLP spans, where parent and link are still apart.
  const otlp = await fetch(`${ENDPOINTS.jaegerQuery}/api/v3/traces/${only.traceID}`);
  expect(otlp.ok).toBe(true);
  const stored = ((await otlp.json()) as OtlpTrace).result.resourceSpans.flatMap((r) =>
    r.scopeSpans.flatMap((s) => s.spans),
  );
  const edges = Object.fromEntries(
    stored.map((s) => [
      s.spanId,
      { kind: s.kind, parent: s.parentSpanId ?? "", links: (s.links ?? []).map((l) => l.spanId) },
    ]),
  );
  expect(edges).toEqual({
    [clientSpan.spanID]: { kind: OTLP_KIND.client, parent: "", links: [] },
    [serverSpan.spanID]: { kind: OTLP_KIND.server, parent: clientSpan.spanID, links: [] },
    [sendSpan.spanID]: { kind: OTLP_KIND.producer, parent: serverSpan.spanID, links: [] },
    [processSpan.spanID]: {
      kind: OTLP_KIND.consumer,
      parent: sendSpan.spanID,
      links: [],
    },
  });

  expect(tag(sendSpan, "messaging.system.name")).toBe("kafka");
  expect(tag(sendSpan, "messaging.destination.name")).toBe(TOPIC);
  expect(tag(processSpan, "messaging.consumer.group.name")).toBe(`${TOPIC}.group`);
  expect(tag(processSpan, "kafka.message.key")).toBe(RUN);
  expect(tag(serverSpan, "rpc.system.name")).toBe("grpc");
});
