// REST: GET /v1/accounts/{id}/balance and GET /v1/accounts/{id}/statements, the same answers
// as ReadModel.GetBalance / ListStatements. Errors follow seed 000: {error: CODE, message}.
import { AppError } from "@obs/service";
import { Hono } from "hono";
import { getBalance, listStatements } from "./queries.ts";
import type { Store } from "./store.ts";
import { balanceJson, type StatementsJson, statementLineJson } from "./views.ts";

/**
 * page_size from the query string: absent or empty is proto3's 0 (the default); anything but
 * an integer is refused here, the range is checked with the gRPC rules.
 */
function pageSizeParam(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 0;
  if (!/^-?\d{1,9}$/.test(raw)) throw AppError.invalidArgument("page_size must be an integer");
  return Number(raw);
}

export function readModelRoutes(store: Store): Hono {
  const routes = new Hono();
  routes.get("/v1/accounts/:id/balance", async (c) =>
    c.json(balanceJson(await getBalance(store, c.req.param("id")))),
  );
  routes.get("/v1/accounts/:id/statements", async (c) => {
    const page = await listStatements(store, {
      accountId: c.req.param("id"),
      pageSize: pageSizeParam(c.req.query("page_size")),
      pageToken: c.req.query("page_token") ?? "",
    });
    const body: StatementsJson = {
      lines: page.lines.map(statementLineJson),
      next_page_token: page.nextPageToken,
    };
    return c.json(body);
  });
  return routes;
}
