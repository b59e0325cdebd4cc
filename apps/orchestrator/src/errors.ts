// Errors are lib/service's AppError (a gRPC status that REST answers with the matching HTTP
// status). A failed transfer stores its status by name, so a replay answers the same.
import { AppError, GrpcStatus, grpcStatusName } from "@obs/service";

export const invalid = (message: string) => AppError.invalidArgument(message);

/** The stored form of a status: its name, e.g. "FAILED_PRECONDITION". */
export const codeName = (code: GrpcStatus): string => grpcStatusName(code);

/** A stored failure back into the error it was; an unknown name (a newer writer) is INTERNAL. */
export function storedError(code: string | null, message: string | null): AppError {
  const status = code === null ? undefined : (GrpcStatus as Record<string, unknown>)[code];
  return new AppError(
    typeof status === "number" ? status : GrpcStatus.INTERNAL,
    message ?? "transfer failed",
  );
}

/** The `outcome` label of transfer_latency_seconds for a failure: "failed_precondition". */
export const outcomeOf = (code: GrpcStatus): string => codeName(code).toLowerCase();
