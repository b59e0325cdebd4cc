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
import { semconvStability } from "../semconv-stability.ts";
import {
  type GrpcInstrumentationOptions,
  grpcTracer,
  rpcDurationHistogram,
} from "./instruments.ts";
import { rpcCallAttributes, rpcStatusAttributes, statusName } from "./semconv.ts";
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
  const mode = options.semconv ?? semconvStability().rpc;

  return (callOptions: InterceptorOptions, nextCall: NextCall) => {
    const call = parseFullMethod(callOptions.method_definition.path);
    const named = rpcCallAttributes(mode, call);
    const target: Attributes = {};
    if (server) {
      target[ATTR_SERVER_ADDRESS] = server.address;
      if (server.port !== undefined) target[ATTR_SERVER_PORT] = server.port;
    }
    const attributes: Attributes = { ...named, ...target };
    const name = call.name;

    const parentContext = context.active();
    const span = grpcTracer(options).startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes },
      parentContext,
    );
    const spanContext = trace.setSpan(parentContext, span);
    const startedAt = performance.now();
    const outbound = nextCall(callOptions);
    let finished = false;

    const finish = (status: Pick<StatusObject, "code" | "details">) => {
      if (finished) return;
      finished = true;
      const peer = parseHostPort(outbound.getPeer());
      if (peer) {
        span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, peer.address);
        if (peer.port !== undefined) span.setAttribute(ATTR_NETWORK_PEER_PORT, peer.port);
        if (!server) target[ATTR_SERVER_ADDRESS] = peer.address;
        if (!server && peer.port !== undefined) target[ATTR_SERVER_PORT] = peer.port;
      }
      // Semconv's attributes of rpc.client.call.duration: the call, its server, its outcome.
      const outcome: Attributes = { ...rpcStatusAttributes(mode, status.code), ...target };
      if (status.code !== GrpcStatus.OK) {
        outcome[ATTR_ERROR_TYPE] = statusName(status.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
      }
      span.setAttributes(outcome);
      span.end();
      rpcDurationHistogram("client", options).record(
        (performance.now() - startedAt) / 1000,
        { ...named, ...outcome },
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
    return new InterceptingCall(outbound, requester);
  };
}
