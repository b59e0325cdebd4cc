// The text rule (./text.ts) for gRPC: every request message is checked before the handler sees
// it, and a bad one is answered INVALID_ARGUMENT naming the field. Wrapped inside the tracing
// wrapper, so a refused call still has its SERVER span and duration sample.
import {
  status as GrpcStatus,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { findBadText } from "@obs/proto";

type Callback = (error: unknown, value?: unknown) => void;
type AnyHandler = (call: StreamingCall, callback?: Callback) => unknown;

interface StreamingCall {
  request?: unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  removeAllListeners(event: string): unknown;
  pause?(): unknown;
}

function refusal(problem: string) {
  return { code: GrpcStatus.INVALID_ARGUMENT, details: problem };
}

/** Unary and server-streaming calls carry their one request on the call. */
function checkRequest(handler: AnyHandler, responseStream: boolean): AnyHandler {
  return (call, callback) => {
    const problem = findBadText(call.request);
    if (problem === undefined) return handler(call, callback);
    if (responseStream) call.emit("error", refusal(problem));
    else callback?.(refusal(problem));
  };
}

/**
 * Client-streaming and bidi calls: each message is checked as it arrives, before the handler's
 * `data` listener; the first bad one ends the call, and the handler's later answer is dropped.
 */
function checkStream(handler: AnyHandler, responseStream: boolean): AnyHandler {
  return (call, callback) => {
    let refused = false;
    const on = call.on.bind(call);
    call.on = (event, listener) => {
      if (event !== "data") return on(event, listener);
      return on("data", (message: unknown) => {
        if (refused) return;
        const problem = findBadText(message);
        if (problem === undefined) return listener(message);
        refused = true;
        call.removeAllListeners("data");
        call.pause?.();
        if (responseStream) call.emit("error", refusal(problem));
        else callback?.(refusal(problem));
      });
    };
    const answer: Callback | undefined =
      callback && ((error, value) => (refused ? undefined : callback(error, value)));
    return handler(call, answer);
  };
}

/** A copy of `implementation` whose handlers only ever see requests that pass the text rule. */
export function withTextRule(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
): UntypedServiceImplementation {
  const wrapped: UntypedServiceImplementation = { ...implementation };
  for (const [name, method] of Object.entries(definition) as [
    string,
    MethodDefinition<unknown, unknown>,
  ][]) {
    const key = implementation[name] !== undefined ? name : method.originalName;
    if (key === undefined) continue;
    const handler = implementation[key] as unknown as AnyHandler | undefined;
    if (typeof handler !== "function") continue;
    const check = method.requestStream ? checkStream : checkRequest;
    wrapped[key] = check(handler.bind(implementation), method.responseStream) as never;
  }
  return wrapped;
}
