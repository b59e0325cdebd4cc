// REST: GET /v1/accounts/{id}/balance and GET /v1/accounts/{id}/statements, the same answers
// as ReadModel.GetBalance / ListStatements. Errors follow seed 000: {error: CODE, message}.
import type { Logger } from "@obs/otel";
import { errorResponse, statusOf } from "@obs/service";
import { type Context, Hono } from "hono";
import { getBalance, listStatements, QueryError } from "./queries.ts";
import type { Store } from "./store.ts";
import { balanceJson, type StatementsJson, statementLineJson } from "./views.ts";

const STATUS = { INVALID_ARGUMENT: 400, NOT_FOUND: 404 } as const;

function fail(c: Context, what: string, logger: Logger, error: unknown) {
  if (error instanceof QueryError)
    return c.json({ error: error.code, message: error.message }, STATUS[error.code]);
  // A value the database refused is the request's fault, not an outage to retry.
  const status = statusOf(error);
  if (status) return errorResponse(c, status.code, status.message);
  logger.error({ err: error }, `${what}: reading the read model failed`);
  return c.json({ error: "UNAVAILABLE", message: "read model is unavailable" }, 503);
}

/**
 * page_size from the query string: absent or empty is proto3's 0 (the default); anything but
 * an integer is refused here, the range is checked with the gRPC rules.
 */
function pageSizeParam(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 0;
  if (!/^-?\d{1,9}$/.test(raw))
    throw new QueryError("INVALID_ARGUMENT", "page_size must be an integer");
  return Number(raw);
}

export function readModelRoutes(store: Store, logger: Logger): Hono {
  const routes = new Hono();
  routes.get("/v1/accounts/:id/balance", async (c) => {
    try {
      return c.json(balanceJson(await getBalance(store, c.req.param("id"))));
    } catch (error) {
      return fail(c, "GET balance", logger, error);
    }
  });
  routes.get("/v1/accounts/:id/statements", async (c) => {
    try {
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
    } catch (error) {
      return fail(c, "GET statements", logger, error);
    }
  });
  return routes;
}
