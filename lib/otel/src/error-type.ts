/**
 * Low-cardinality `error.type` value for an unknown thrown value. Semconv asks for something
 * a dashboard can group by, so prefer a machine code (`ECONNREFUSED`, a Kafka error code)
 * over the class name, and never the message.
 */
export function errorType(error: unknown): string {
  if (error && typeof error === "object") {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.length > 0) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && name.length > 0) return name;
    const ctor = (error as { constructor?: { name?: unknown } }).constructor;
    if (ctor && typeof ctor.name === "string" && ctor.name !== "Object") return ctor.name;
  }
  if (typeof error === "string" && error.length > 0 && error.length <= 64) return error;
  return "_OTHER";
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object" && "message" in error) return String(error.message);
  return String(error);
}
