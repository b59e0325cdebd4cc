// The text rule (@obs/proto's text.ts) for gRPC: every request message is checked before the
// handler sees it, and a bad one is answered INVALID_ARGUMENT naming the field. Wrapped inside
// the tracing wrapper, so a refused call still has its SERVER span and duration sample.
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

/** Set on a decoded request whose string fields were not valid UTF-8 on the wire. */
const INVALID_UTF8 = Symbol("invalid UTF-8");
const REPLACEMENT = "\ufffd";
const REPLACEMENT_BYTES = Buffer.from(REPLACEMENT);

function replacements(value: unknown): number {
  if (typeof value === "string") return value.split(REPLACEMENT).length - 1;
  if (Array.isArray(value)) return value.reduce((n: number, item) => n + replacements(item), 0);
  if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value))
    return Object.values(value).reduce((n: number, item) => n + replacements(item), 0);
  return 0;
}

function occurrences(bytes: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length))
    count++;
  return count;
}

/**
 * proto3 strings must be valid UTF-8, but protobufjs decodes invalid bytes to U+FFFD without a
 * word (and its encoder writes an unpaired surrogate as such bytes), so "k\ud800" and
 * "k\ud801" from a JavaScript client arrived as one and the same key. A decoded request with
 * more U+FFFD characters than the raw message holds encoded U+FFFDs (EF BF BD) had invalid
 * UTF-8 in a string field: it is marked, and refused like any other bad text. Counting is
 * enough because only a decoder replacement makes a U+FFFD without those three bytes.
 */
function checkingUtf8(deserialize: (bytes: Buffer) => unknown): (bytes: Buffer) => unknown {
  return (bytes) => {
    const message = deserialize(bytes);
    if (typeof message !== "object" || message === null) return message;
    const replaced = replacements(message);
    if (replaced > 0 && replaced > occurrences(bytes, REPLACEMENT_BYTES))
      Object.defineProperty(message, INVALID_UTF8, { value: true });
    return message;
  };
}

/** What is wrong with a decoded request's text, or undefined. */
function problemOf(message: unknown): string | undefined {
  if (typeof message === "object" && message !== null && INVALID_UTF8 in message)
    return "a string field is not valid UTF-8";
  return findBadText(message);
}

/** The service definition with requests checked for invalid UTF-8 as they are decoded. */
export function withUtf8Check(definition: ServiceDefinition): ServiceDefinition {
  const checked: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition) as [
    string,
    MethodDefinition<unknown, unknown>,
  ][]) {
    checked[name] = { ...method, requestDeserialize: checkingUtf8(method.requestDeserialize) };
  }
  return checked as ServiceDefinition;
}

/** Unary and server-streaming calls carry their one request on the call. */
function checkRequest(handler: AnyHandler, responseStream: boolean): AnyHandler {
  return (call, callback) => {
    const problem = problemOf(call.request);
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
        const problem = problemOf(message);
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
