import { status as GrpcStatus } from "@grpc/grpc-js";

/*
 * RPC attribute names as otelgrpc and the dashboards of this repo use them. They live in the
 * incubating entry of @opentelemetry/semantic-conventions, which may rename or drop them in
 * any minor release (1.45 already marks several deprecated in favour of `rpc.system.name` /
 * `rpc.status_code`), so they are pinned here instead of imported.
 */
export const ATTR_RPC_SYSTEM = "rpc.system";
export const ATTR_RPC_SERVICE = "rpc.service";
export const ATTR_RPC_METHOD = "rpc.method";
export const ATTR_RPC_GRPC_STATUS_CODE = "rpc.grpc.status_code";
export const RPC_SYSTEM_GRPC = "grpc";

export const METRIC_RPC_SERVER_CALL_DURATION = "rpc.server.call.duration";
export const METRIC_RPC_CLIENT_CALL_DURATION = "rpc.client.call.duration";

/** Semconv's advisory boundaries for `rpc.*.call.duration` (seconds). */
export const RPC_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/**
 * Codes that mean the server itself failed. Semconv (and otelgrpc) leave the server span
 * status unset for the others: INVALID_ARGUMENT or NOT_FOUND are the caller's problem and
 * would otherwise page the wrong team. Clients mark every non-OK code as an error.
 */
export const SERVER_ERROR_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNKNOWN,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.UNIMPLEMENTED,
  GrpcStatus.INTERNAL,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** `INVALID_ARGUMENT` for 3: semconv wants the status name as `error.type`. */
export function statusName(code: number): string {
  const name = GrpcStatus[code];
  return typeof name === "string" ? name : String(code);
}
