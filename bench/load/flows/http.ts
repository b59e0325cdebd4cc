// JSON over HTTP with the failure classified the way the summary counts it: by HTTP status
// plus the `{error}` code the apps answer with, by timeout, or by network failure.
import type { Outcome } from "../stats.ts";

export async function postJson(
  url: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ outcome: Outcome; json?: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { outcome: { ok: false, kind: networkErrorKind(error) } };
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    // A body that is not JSON still has a status worth counting.
  }
  if (response.ok) return { outcome: { ok: true }, json };
  return { outcome: { ok: false, kind: httpErrorKind(response.status, json) } };
}

/** "http 503 UNAVAILABLE", or "http 502" when the body carries no error code. */
export function httpErrorKind(status: number, body: unknown): string {
  const code =
    body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string"
      ? (body as { error: string }).error
      : undefined;
  return code ? `http ${status} ${code}` : `http ${status}`;
}

/** "timeout" for our own deadline, else "network ECONNREFUSED" and the like. */
export function networkErrorKind(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  const code = (error as { code?: unknown })?.code;
  return `network ${typeof code === "string" ? code : String(name ?? "error")}`;
}
