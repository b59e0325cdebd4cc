// Test helpers: a typed gRPC client, W3C trace ids the tests choose (so their messages can be
// found on the topic), a kcat reader of the adder's topic, Prometheus text and grpcurl.
import * as grpc from "@grpc/grpc-js";
import { loadProto } from "@obs/proto";
import { VERSIONS } from "../../../infra/local/config.ts";
import { ensureGoTool } from "../../../infra/local/install.ts";
import { eventually } from "../../../test/support/infra.ts";
import { type SumMessage, sumCodec } from "../src/publish.ts";
import type { AdderClient, AddRequestInput, AddStreamResponse } from "../src/types.ts";

export function adderClient(port: number): AdderClient {
  const { grpc: proto } = loadProto("adder");
  return new proto.adder.v1.Adder(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** A fresh trace the call continues, so its SumMessages can be found by trace id. */
export function newTrace(): { traceId: string; traceparent: string } {
  const hex = (bytes: number) =>
    Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
  const traceId = hex(16);
  return { traceId, traceparent: `00-${traceId}-${hex(8)}-01` };
}

export function metadataFor(traceparent: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("traceparent", traceparent);
  return metadata;
}

export function callAdd(
  client: AdderClient,
  request: AddRequestInput,
  metadata = new grpc.Metadata(),
): Promise<{ sum: string }> {
  return new Promise((resolve, reject) =>
    client.Add(request, metadata, { deadline: Date.now() + 15_000 }, (error, response) =>
      error || !response ? reject(error) : resolve(response),
    ),
  );
}

export function callAddStream(
  client: AdderClient,
  requests: AddRequestInput[],
  metadata = new grpc.Metadata(),
): Promise<AddStreamResponse> {
  return new Promise((resolve, reject) => {
    const call = client.AddStream(metadata, { deadline: Date.now() + 30_000 }, (error, response) =>
      error || !response ? reject(error) : resolve(response),
    );
    for (const request of requests) call.write(request);
    call.end();
  });
}

/** The rejection of `promise` as a gRPC error; fails the test if it resolved. */
export async function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    const value = await promise;
    throw new Error(`expected a gRPC error, got ${JSON.stringify(value)}`);
  } catch (error) {
    if (typeof (error as grpc.ServiceError).code !== "number") throw error;
    return error as grpc.ServiceError;
  }
}

export interface Received {
  payload: SumMessage;
  partition: number;
  key: string | null;
  headers: Record<string, string>;
}

interface KcatRecord {
  partition: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

/**
 * Reads the adder's topic with kcat from a timestamp on, without a consumer group. (A lib/kafka
 * consumer with a fresh group and fromBeginning stops receiving new messages after catching
 * up a backlog of ~1,200 messages on this topic; see the adder's report.)
 */
export class SumsTap {
  constructor(
    private readonly brokers: string,
    private readonly topic: string,
    private readonly sinceMs = Date.now() - 60_000,
  ) {}

  async read(): Promise<Received[]> {
    const child = Bun.spawn(
      [
        "kcat",
        "-b",
        this.brokers,
        "-C",
        "-t",
        this.topic,
        "-o",
        `s@${this.sinceMs}`,
        "-e",
        "-q",
        "-J",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    if (code !== 0) throw new Error(`kcat exited with ${code}`);
    const received: Received[] = [];
    for (const line of stdout.split("\n")) {
      if (!line.trim()) continue;
      const record = JSON.parse(line) as KcatRecord;
      let payload: SumMessage;
      try {
        payload = sumCodec.decode(Buffer.from(record.payload ?? ""));
      } catch {
        // Other suites put poison messages on this topic; they are not ours to judge.
        continue;
      }
      const headers: Record<string, string> = {};
      const flat = record.headers ?? [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        headers[flat[i] as string] = flat[i + 1] as string;
      received.push({ payload, partition: record.partition, key: record.key, headers });
    }
    return received;
  }

  /** Waits until at least `count` messages of the trace are on the topic, and returns them all. */
  messagesOf(traceId: string, count = 1, timeoutMs = 20_000): Promise<Received[]> {
    return eventually(
      `${count} message(s) of trace ${traceId} on ${this.topic}`,
      async () => {
        const found = (await this.read()).filter((r) => r.payload.trace_id === traceId);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      500,
    );
  }
}

/** Sum of the samples of `name` whose labels include all of `labels`. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

export async function scrape(httpPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  return response.text();
}

let grpcurlPath: string | undefined;

/** Builds grpcurl into the shared cache on first use (go install), then reuses it. */
export function grpcurlBinary(): string {
  grpcurlPath ??= ensureGoTool(
    "grpcurl",
    "github.com/fullstorydev/grpcurl/cmd/grpcurl",
    VERSIONS.grpcurl,
  );
  return grpcurlPath;
}

/** Runs grpcurl without blocking the event loop (the server lives in this process). */
export async function grpcurl(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([grpcurlBinary(), ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
