// orchestrator.v1.Transfers over gRPC. The SERVER span is opened by lib/otel's instrumentation
// (startGrpcServer) before the handler runs, so the upstream calls are its children.
import type { Logger } from "@obs/otel";
import { timestampOf } from "@obs/proto";
import type { CreateTransferRequest } from "@obs/proto/gen/orchestrator/v1/CreateTransferRequest.ts";
import type { TransfersHandlers } from "@obs/proto/gen/orchestrator/v1/Transfers.ts";
import { unaryHandler } from "@obs/service";
import { transferJson } from "./transfer.ts";
import type { Transfers } from "./transfers.ts";

export function transfersHandlers(transfers: Transfers, logger: Logger): TransfersHandlers {
  return {
    Create: unaryHandler(async (request: CreateTransferRequest) => {
      const { transfer } = await transfers.create(request);
      // The same fields as REST's JSON, with the time as a google.protobuf.Timestamp.
      return { ...transferJson(transfer), created_at: timestampOf(transfer.createdAt) };
    }, logger),
  };
}
