// The adder flow: unary Adder.Add over gRPC, each call publishing one SumMessage that the
// totalizer consumes, so traces span adder → Kafka → totalizer.
import * as grpc from "@grpc/grpc-js";
import { loadProto } from "@obs/proto";
import type { Outcome } from "../stats.ts";
import { UnreachableError } from "../targets.ts";
import type { Flow } from "./flow.ts";

export interface AddFlowOptions {
  adderAddr: string;
  timeoutMs: number;
  /** How long prepare() waits for the channel to connect. */
  connectTimeoutMs?: number;
}

/** "grpc UNAVAILABLE", "grpc DEADLINE_EXCEEDED", ...: the status the call ended with. */
export function grpcErrorKind(error: { code?: number } | null | undefined): string {
  const code = error?.code;
  const name = code === undefined ? undefined : grpc.status[code];
  return `grpc ${name ?? `code ${code ?? "unknown"}`}`;
}

export function addFlow({ adderAddr, timeoutMs, connectTimeoutMs = 3000 }: AddFlowOptions): Flow {
  const { grpc: proto } = loadProto("adder");
  const client = new proto.adder.v1.Adder(adderAddr, grpc.credentials.createInsecure());
  return {
    name: "add",
    prepare: () =>
      new Promise<void>((resolve, reject) => {
        client.waitForReady(Date.now() + connectTimeoutMs, (error) =>
          error ? reject(new UnreachableError("adder", adderAddr, error)) : resolve(),
        );
      }),
    send: (index) =>
      new Promise<Outcome>((resolve) => {
        client.Add(
          { a: String(index), b: "1" },
          { deadline: Date.now() + timeoutMs },
          (error: grpc.ServiceError | null) =>
            resolve(error ? { ok: false, kind: grpcErrorKind(error) } : { ok: true }),
        );
      }),
    close: () => client.close(),
  };
}
