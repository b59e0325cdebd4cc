// adder.v1.Adder over gRPC. The server span is opened by lib/otel's instrumentation before
// these handlers run, so the SumMessages carry its trace and span ids.
import type { Logger } from "@obs/otel";
import { AppError, GrpcStatus, grpcErrorOf, unaryHandler } from "@obs/service";
import { context } from "@opentelemetry/api";
import { addInt64, sumOf } from "./add.ts";
import { type BatcherOptions, createBatcher, type SumPublisher } from "./publish.ts";
import type { AdderHandlers, AddRequest } from "./types.ts";

export interface AdderServiceDeps {
  publisher: SumPublisher;
  batching: BatcherOptions;
  logger: Logger;
}

/** The reply's int64 total, which can overflow even when every single sum fits. */
function addTotal(total: bigint, sum: bigint): bigint {
  try {
    return addInt64(total, sum);
  } catch {
    throw AppError.invalidArgument("total overflows int64");
  }
}

export function adderHandlers({ publisher, batching, logger }: AdderServiceDeps): AdderHandlers {
  return {
    Add: unaryHandler(async (request: AddRequest) => {
      const sum = sumOf(request);
      await publisher.publish([sum]);
      return { sum: sum.toString() };
    }, logger),

    // Requests are published as they arrive, so a bad request or a failed batch ends the call
    // with an error while the batches before it stay published: like a sequence of Add calls,
    // not a transaction. The reply waits for the last acknowledgement.
    AddStream(call, callback) {
      // Stream events fire outside the handler's context; batches are sent in the server span.
      const rpcContext = context.active();
      const batcher = createBatcher(
        (sums) => context.with(rpcContext, () => publisher.publish(sums)),
        batching,
      );
      let index = 0;
      let total = 0n;
      let settled = false;

      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        batcher.abandon();
        call.removeAllListeners("data");
        call.pause();
        // In the RPC's context, so the log line carries its trace id.
        callback(context.with(rpcContext, () => grpcErrorOf(error, logger)));
      };

      call.on("data", (request: AddRequest) => {
        if (settled) return;
        let sum: bigint;
        try {
          sum = sumOf(request);
          total = addTotal(total, sum);
        } catch (error) {
          fail(
            error instanceof AppError && error.code === GrpcStatus.INVALID_ARGUMENT
              ? AppError.invalidArgument(`request ${index}: ${error.message}`)
              : error,
          );
          return;
        }
        index++;
        const wait = batcher.add(sum);
        // Backpressure: stop reading while a full batch waits for its acknowledgement.
        if (wait) {
          call.pause();
          wait.then(() => call.resume(), fail);
        }
      });
      call.on("end", () => {
        if (settled) return;
        batcher.finish().then(() => {
          if (settled) return;
          settled = true;
          callback(null, { count: String(index), total: total.toString() });
        }, fail);
      });
      call.on("cancelled", () => {
        settled = true;
        batcher.abandon();
      });
    },
  };
}
