import type { Metadata } from "@grpc/grpc-js";
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

export interface ParsedMethod {
  /** `adder.v1.Adder/Add`: the span name otelgrpc uses. */
  name: string;
  service: string;
  method: string;
}

/** Splits a gRPC path (`/adder.v1.Adder/Add`) into semconv's service and method. */
export function parseFullMethod(path: string): ParsedMethod {
  const name = path.startsWith("/") ? path.slice(1) : path;
  const slash = name.lastIndexOf("/");
  if (slash < 0) return { name, service: "", method: name };
  return { name, service: name.slice(0, slash), method: name.slice(slash + 1) };
}

export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key);
    if (values.length === 0) return undefined;
    return values.map((v) => (typeof v === "string" ? v : v.toString("utf8")));
  },
};

export const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

export interface HostPort {
  address: string;
  port?: number;
}

/**
 * Parses grpc-js peer strings and channel targets: `127.0.0.1:5000`, `[::1]:5000`,
 * `ipv4:10.0.0.1:5000`, `dns:///svc.local:50051`, `unix:/tmp/sock`. A target listing several
 * addresses (`ipv4:10.0.0.1:5000,10.0.0.2:5000`) names no one server: undefined, so a client
 * span takes the peer each call reached.
 */
export function parseHostPort(input: string): HostPort | undefined {
  if (!input || input.includes(",")) return undefined;
  let rest = input;
  if (rest.startsWith("unix:")) return { address: rest.slice("unix:".length) };
  const scheme = /^(dns|ipv4|ipv6):(\/\/[^/]*\/)?/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed?.[1]) {
    return bracketed[2]
      ? { address: bracketed[1], port: Number(bracketed[2]) }
      : { address: bracketed[1] };
  }
  const colon = rest.lastIndexOf(":");
  // More than one colon without brackets is a bare IPv6 address, not host:port.
  if (colon > 0 && rest.indexOf(":") === colon) {
    const port = Number(rest.slice(colon + 1));
    if (Number.isInteger(port)) return { address: rest.slice(0, colon), port };
  }
  return rest ? { address: rest } : undefined;
}

/** Same rule grpc-js applies when a handler fails: a valid numeric `code`, else UNKNOWN. */
export function statusCodeOf(error: unknown): number {
  if (error && typeof error === "object" && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "number" && Number.isInteger(code) && GrpcStatus[code] !== undefined) {
      return code;
    }
  }
  return GrpcStatus.UNKNOWN;
}
