import { status as GrpcStatus } from "@grpc/grpc-js";

import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
} from "@opentelemetry/semantic-conventions";
import type { SemconvMode } from "../semconv-stability.ts";

export { ATTR_RPC_METHOD, ATTR_RPC_STATUS_CODE, ATTR_RPC_SYSTEM_NAME };

/*
 * The RPC names before semconv 1.38, emitted besides the current ones under
 * OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup. Deprecated in @opentelemetry/semantic-conventions
 * (and liable to leave it), so pinned here.
 */
export const ATTR_RPC_SYSTEM = "rpc.system";
export const ATTR_RPC_SERVICE = "rpc.service";
export const ATTR_RPC_GRPC_STATUS_CODE = "rpc.grpc.status_code";
export const RPC_SYSTEM_GRPC = "grpc";

/**
 * What names a call, at span start and on every duration sample: `rpc.system.name` and the
 * fully-qualified `rpc.method` (`adder.v1.Adder/Add`). In dup mode also `rpc.system` and
 * `rpc.service`; the old short `rpc.method` (`Add`) cannot share the key with the current one,
 * so dup keeps the current value there (the old one is `rpc.service` + the name's last part).
 */
export function rpcCallAttributes(
  mode: SemconvMode,
  call: { name: string; service: string },
): Attributes {
  const attributes: Attributes = {
    [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC,
    [ATTR_RPC_METHOD]: call.name,
  };
  if (mode === "dup") {
    attributes[ATTR_RPC_SYSTEM] = RPC_SYSTEM_GRPC;
    attributes[ATTR_RPC_SERVICE] = call.service;
  }
  return attributes;
}

/** The outcome: `rpc.status_code` as the status name (`OK`, `UNAVAILABLE`); dup adds the number. */
export function rpcStatusAttributes(mode: SemconvMode, code: number): Attributes {
  const attributes: Attributes = { [ATTR_RPC_STATUS_CODE]: statusName(code) };
  if (mode === "dup") attributes[ATTR_RPC_GRPC_STATUS_CODE] = code;
  return attributes;
}

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
