import {
  status as GrpcStatus,
  InterceptingCall,
  type Interceptor,
  type InterceptorOptions,
  type Metadata,
  type NextCall,
  type Requester,
  type StatusObject,
} from "@grpc/grpc-js";
import {
  type Attributes,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from "@opentelemetry/semantic-conventions";
import {
  type GrpcInstrumentationOptions,
  grpcTracer,
  rpcDurationHistogram,
} from "./instruments.ts";
import {
  ATTR_RPC_GRPC_STATUS_CODE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  RPC_SYSTEM_GRPC,
  statusName,
} from "./semconv.ts";
import { metadataSetter, parseFullMethod, parseHostPort } from "./utils.ts";

export interface ClientInterceptorOptions extends GrpcInstrumentationOptions {
  /**
   * The channel target (`localhost:50051`, `dns:///adder:50051`). grpc-js does not show it to
   * interceptors, and semconv wants the logical name in `server.address`, not the resolved
   * IP; without it the peer address is used.
   */
  target?: string;
}

/**
 * otelgrpc-style client interceptor: pass it in `{ interceptors: [...] }` when constructing a
 * client. Every call gets a CLIENT span named `pkg.Service/Method`, a W3C `traceparent` in
 * its metadata, and an `rpc.client.call.duration` sample. Works for all four call types,
 * because it only hooks start and the final status.
 */
export function createClientInterceptor(options: ClientInterceptorOptions = {}): Interceptor {
  const server = options.target ? parseHostPort(options.target) : undefined;

  return (callOptions: InterceptorOptions, nextCall: NextCall) => {
    const { name, service, method } = parseFullMethod(callOptions.method_definition.path);
    const attributes: Attributes = {
      [ATTR_RPC_SYSTEM]: RPC_SYSTEM_GRPC,
      [ATTR_RPC_SERVICE]: service,
      [ATTR_RPC_METHOD]: method,
    };
    if (server) {
      attributes[ATTR_SERVER_ADDRESS] = server.address;
      if (server.port !== undefined) attributes[ATTR_SERVER_PORT] = server.port;
    }

    const parentContext = context.active();
    const span = grpcTracer(options).startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes },
      parentContext,
    );
    const spanContext = trace.setSpan(parentContext, span);
    const startedAt = performance.now();
    const call = nextCall(callOptions);
    let finished = false;

    const finish = (status: Pick<StatusObject, "code" | "details">) => {
      if (finished) return;
      finished = true;
      const peer = parseHostPort(call.getPeer());
      if (peer) {
        span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, peer.address);
        if (peer.port !== undefined) span.setAttribute(ATTR_NETWORK_PEER_PORT, peer.port);
        if (!server) span.setAttribute(ATTR_SERVER_ADDRESS, peer.address);
        if (!server && peer.port !== undefined) span.setAttribute(ATTR_SERVER_PORT, peer.port);
      }
      span.setAttribute(ATTR_RPC_GRPC_STATUS_CODE, status.code);
      if (status.code !== GrpcStatus.OK) {
        span.setAttribute(ATTR_ERROR_TYPE, statusName(status.code));
        span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
      }
      span.end();
      rpcDurationHistogram("client", options).record(
        (performance.now() - startedAt) / 1000,
        {
          [ATTR_RPC_SYSTEM]: RPC_SYSTEM_GRPC,
          [ATTR_RPC_SERVICE]: service,
          [ATTR_RPC_METHOD]: method,
          [ATTR_RPC_GRPC_STATUS_CODE]: status.code,
        },
        spanContext,
      );
    };

    const requester: Requester = {
      start(metadata: Metadata, _listener, next) {
        propagation.inject(spanContext, metadata, metadataSetter);
        next(metadata, {
          // Callbacks run in the caller's context, so work done in them is not parented
          // to this (already ended) client span.
          onReceiveMessage: (message, nextMessage) =>
            context.with(parentContext, () => nextMessage(message)),
          onReceiveStatus: (status, nextStatus) => {
            finish(status);
            context.with(parentContext, () => nextStatus(status));
          },
        });
      },
    };
    return new InterceptingCall(call, requester);
  };
}
