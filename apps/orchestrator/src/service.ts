// orchestrator.v1.Transfers over gRPC. The SERVER span is opened by lib/otel's instrumentation
// (startGrpcServer) before the handler runs, so the upstream calls are its children.
import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "@obs/otel";
import { unaryHandler } from "@obs/service";
import { timestampOf } from "./transfer.ts";
import type { Transfers } from "./transfers.ts";

export function transfersHandlers(
  transfers: Transfers,
  logger: Logger,
): grpc.UntypedServiceImplementation {
  return {
    Create: unaryHandler(async (request: unknown) => {
      const { transfer } = await transfers.create(request);
      return {
        transfer_id: transfer.transferId,
        from_account_id: transfer.fromAccountId,
        to_account_id: transfer.toAccountId,
        amount_minor: transfer.amountMinor.toString(),
        currency: transfer.currency,
        idempotency_key: transfer.idempotencyKey,
        entry_id: transfer.entryId,
        created_at: timestampOf(transfer.createdAt),
      };
    }, logger),
  };
}
