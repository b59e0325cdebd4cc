// REST: POST /v1/entries (a PostEntryRequest as JSON) and GET /v1/entries/{id}. Errors are
// thrown as AppErrors; lib/service's HTTP server answers them as {error, message}.
import { readJsonBody } from "@obs/service";
import { Hono } from "hono";
import { entryJson, parseEntry } from "./entry.ts";
import type { Ledger } from "./ledger.ts";

export function ledgerRoutes(ledger: Ledger): Hono {
  const routes = new Hono();
  routes.post("/v1/entries", async (c) => {
    const { entry, created } = await ledger.post(parseEntry(await readJsonBody(c)));
    return c.json(entryJson(entry), created ? 201 : 200);
  });
  routes.get("/v1/entries/:id", async (c) =>
    c.json(entryJson(await ledger.get(c.req.param("id")))),
  );
  return routes;
}
