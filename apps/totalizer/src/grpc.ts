// totalizer.v1.Totalizer over gRPC.
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "@obs/otel";
import { timestampOf } from "@obs/proto";
import type { Store } from "./store.ts";

export function totalizerHandlers(
  store: Store,
  topic: string,
  logger: Logger,
): grpc.UntypedServiceImplementation {
  const GetTotal: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) => {
    store.getTotal(topic).then(
      (snapshot) =>
        callback(null, {
          total: snapshot.total.toString(),
          message_count: snapshot.messageCount.toString(),
          updated_at: snapshot.updatedAt ? timestampOf(snapshot.updatedAt) : null,
        }),
      (error: unknown) => {
        logger.error({ err: error }, "GetTotal: reading the total failed");
        // The database being away is a retryable condition for the caller, not a bug.
        callback({ code: grpc.status.UNAVAILABLE, details: "total is unavailable" });
      },
    );
  };
  return { GetTotal };
}
