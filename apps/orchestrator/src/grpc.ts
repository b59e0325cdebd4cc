// orchestrator.v1.Transfers over gRPC. The SERVER span is opened by lib/otel's instrumentation
// (startGrpcServer) before the handler runs, so the upstream calls are its children.
import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "@obs/otel";
import { timestampOf } from "@obs/proto";
import { unaryHandler } from "@obs/service";
import { transferJson } from "./transfer.ts";
import type { Transfers } from "./transfers.ts";

export function transfersHandlers(
  transfers: Transfers,
  logger: Logger,
): grpc.UntypedServiceImplementation {
  return {
    Create: unaryHandler(async (request: unknown) => {
      const { transfer } = await transfers.create(request);
      // The same fields as REST's JSON, with the time as a google.protobuf.Timestamp.
      return { ...transferJson(transfer), created_at: timestampOf(transfer.createdAt) };
    }, logger),
  };
}
