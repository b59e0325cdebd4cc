// POST /v1/transfers for curl users: the same use case as Transfers.Create. The SERVER span
// comes from lib/service's HTTP tracing (startHttpServer's `telemetry`), so the GetAccount and
// PostEntry CLIENT spans are its children; errors are AppErrors answered by its onError.
import { readJsonBody } from "@obs/service";
import { Hono } from "hono";
import { transferJson } from "./transfer.ts";
import type { Transfers } from "./transfers.ts";

export function transferRoutes(transfers: Transfers): Hono {
  const routes = new Hono();
  routes.post("/v1/transfers", async (c) => {
    // The body is read inside create(): a malformed one is a failed transfer request too.
    const { transfer, replayed } = await transfers.create(readJsonBody(c));
    // A replay answers like the first request did; the header tells a client which it got.
    if (replayed) c.header("idempotent-replayed", "true");
    return c.json(transferJson(transfer), 201);
  });
  return routes;
}
