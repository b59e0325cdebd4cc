import {
  status as GrpcStatus,
  type Metadata,
  type MethodDefinition,
  type Server,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
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
import { errorMessage } from "../error-type.ts";
import { type SemconvMode, semconvStability } from "../semconv-stability.ts";
import {
  type GrpcInstrumentationOptions,
  grpcTracer,
  rpcDurationHistogram,
} from "./instruments.ts";
import {
  rpcCallAttributes,
  rpcStatusAttributes,
  SERVER_ERROR_CODES,
  statusName,
} from "./semconv.ts";
import { metadataGetter, parseFullMethod, parseHostPort, statusCodeOf } from "./utils.ts";

export interface ServerInstrumentationOptions extends GrpcInstrumentationOptions {
  /** Return true to leave a method untraced, e.g. health checks. Gets `pkg.Service/Method`. */
  ignore?: (fullMethod: string) => boolean;
  /** The server's own address, for `server.address`/`server.port` (grpc-js does not tell). */
  server?: { address: string; port?: number };
}

/** The parts of grpc-js's server call objects the wrapper relies on, for all four kinds. */
interface ServerCallLike {
  metadata: Metadata;
  getPeer(): string;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
}
type UnaryCallback = (error: unknown, value?: unknown, ...rest: unknown[]) => void;
type AnyHandler = (this: unknown, call: ServerCallLike, callback?: UnaryCallback) => unknown;
type AnyMethodDefinition = MethodDefinition<unknown, unknown>;

/**
 * Returns a copy of `implementation` whose handlers run inside a SERVER span continued from
 * the caller's `traceparent` metadata, for `server.addService(definition, wrapped)`.
 * Handlers see the span as `trace.getActiveSpan()`, so their logs and outbound calls join
 * the trace. Async handlers that reject are answered with their status instead of leaving
 * the call hanging (grpc-js only catches synchronous throws).
 */
export function wrapService<T extends object>(
  definition: ServiceDefinition,
  implementation: T,
  options: ServerInstrumentationOptions = {},
): T {
  // Inherit from the original so methods not in the definition (and `this`) keep working.
  const wrapped = Object.create(implementation) as Record<string, unknown>;
  const source = implementation as Record<string, unknown>;
  for (const [name, attrs] of Object.entries(definition) as [string, AnyMethodDefinition][]) {
    // grpc-js accepts either the proto name (`Add`) or the camelCase `originalName` (`add`).
    const key = source[name] !== undefined ? name : attrs.originalName;
    if (key === undefined) continue;
    const handler = source[key];
    if (typeof handler !== "function") continue;
    if (options.ignore?.(parseFullMethod(attrs.path).name)) continue;
    wrapped[key] = wrapHandler(attrs, (handler as AnyHandler).bind(implementation), options);
  }
  return wrapped as T;
}

const DEFAULT_IGNORED = /^grpc\.(health\.v1\.Health|reflection\.v1(alpha)?\.ServerReflection)\//;

/**
 * Makes every later `server.addService` on this one server instance go through
 * {@link wrapService}. Health and reflection are skipped unless `ignore` says otherwise:
 * probes would otherwise dominate the trace store.
 */
export function instrumentServer(
  server: Server,
  options: ServerInstrumentationOptions = {},
): Server {
  const ignore = options.ignore ?? ((m: string) => DEFAULT_IGNORED.test(m));
  const addService = server.addService.bind(server);
  server.addService = (definition, implementation) =>
    addService(definition, wrapService(definition, implementation, { ...options, ignore }));
  return server;
}

function wrapHandler(
  attrs: AnyMethodDefinition,
  handler: (call: ServerCallLike, callback?: UnaryCallback) => unknown,
  options: ServerInstrumentationOptions,
): AnyHandler {
  const call = parseFullMethod(attrs.path);
  const { name } = call;
  const responds = !attrs.responseStream;
  const mode = options.semconv ?? semconvStability().rpc;
  // What every span and sample of this method carries: the call and the server's own address.
  const metricAttributes: Attributes = { ...rpcCallAttributes(mode, call) };
  if (options.server) {
    metricAttributes[ATTR_SERVER_ADDRESS] = options.server.address;
    if (options.server.port !== undefined) metricAttributes[ATTR_SERVER_PORT] = options.server.port;
  }

  return (call, callback) => {
    const parent = propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
    const attributes: Attributes = { ...metricAttributes };
    const peer = parseHostPort(call.getPeer());
    if (peer) {
      attributes[ATTR_NETWORK_PEER_ADDRESS] = peer.address;
      if (peer.port !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = peer.port;
    }
    const span = grpcTracer(options).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    const startedAt = performance.now();
    let finished = false;

    const finish = (code: number, error?: unknown) => {
      if (finished) return;
      finished = true;
      const outcome = endServerSpan(span, mode, code, error);
      rpcDurationHistogram("server", options).record(
        (performance.now() - startedAt) / 1000,
        { ...metricAttributes, ...outcome },
        trace.setSpan(parent, span),
      );
    };

    call.on("cancelled", () => finish(GrpcStatus.CANCELLED));

    // A thrown or rejected handler: keep the real error on the span, answer with a status.
    const failed = (error: unknown): Partial<ServiceError> => {
      span.recordException(error instanceof Error ? error : errorMessage(error));
      const serviceError = toServiceError(error);
      finish(statusCodeOf(serviceError), error);
      return serviceError;
    };

    let fail: (error: unknown) => void;
    let args: [ServerCallLike, UnaryCallback?];
    if (responds && callback) {
      const respond: UnaryCallback = (error, ...rest) => {
        finish(error ? statusCodeOf(error) : GrpcStatus.OK, error ?? undefined);
        callback(error, ...rest);
      };
      fail = (error) => callback(failed(error));
      args = [call, respond];
    } else {
      // Streaming responses report failure by emitting 'error' (grpc-js turns it into the
      // status) and success by ending the stream.
      call.on("error", (error) => finish(statusCodeOf(error), error));
      call.on("finish", () => finish(GrpcStatus.OK));
      fail = (error) => call.emit("error", failed(error));
      args = [call];
    }

    context.with(trace.setSpan(parent, span), () => {
      try {
        const result = handler(...args);
        if (isPromiseLike(result)) result.then(undefined, fail);
      } catch (error) {
        fail(error);
      }
    });
  };
}

/** Ends the span with its outcome, and returns the outcome's attributes for the sample. */
function endServerSpan(span: Span, mode: SemconvMode, code: number, error: unknown): Attributes {
  const outcome = rpcStatusAttributes(mode, code);
  if (SERVER_ERROR_CODES.has(code)) {
    outcome[ATTR_ERROR_TYPE] = statusName(code);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error === undefined ? statusName(code) : errorMessage(error),
    });
  }
  span.setAttributes(outcome);
  span.end();
  return outcome;
}

/**
 * A thrown value with a valid gRPC code is a deliberate status and goes out as is; anything
 * else becomes UNKNOWN without its message, as grpc-js does for synchronous throws, so
 * internals do not leak to callers (the span keeps the message).
 */
function toServiceError(error: unknown): Partial<ServiceError> {
  if (error && typeof error === "object" && statusCodeOf(error) !== GrpcStatus.UNKNOWN) {
    return error as Partial<ServiceError>;
  }
  const serviceError = new Error("Unknown error") as Partial<ServiceError> & Error;
  serviceError.code = GrpcStatus.UNKNOWN;
  serviceError.details = "Unknown error";
  serviceError.cause = error;
  return serviceError;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
