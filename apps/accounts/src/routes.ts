// REST for curl users: the same rules and errors as the gRPC service. Tracing, error bodies
// and malformed JSON are lib/service's business, so the routes only translate.
import type { Logger } from "@obs/otel";
import { AppError, readJsonBody } from "@obs/service";
import { Hono } from "hono";
import { accountJson, accountNotFound, parseOpenAccount } from "./account.ts";
import type { Store } from "./store.ts";

const OPEN_FIELDS = new Set(["currency", "min_balance_minor"]);

export function accountsRoutes(store: Store, topic: string, logger: Logger): Hono {
  const routes = new Hono();
  routes.post("/v1/accounts", async (c) => {
    const body = await readJsonBody(c);
    // A typo such as "min_balance" would otherwise silently open an account without a limit.
    const unknown = Object.keys(body).find((key) => !OPEN_FIELDS.has(key));
    if (unknown !== undefined)
      throw AppError.invalidArgument(`unknown field ${JSON.stringify(unknown)}`);
    const account = await store.open(parseOpenAccount(body), topic);
    logger.info({ account_id: account.accountId, currency: account.currency }, "account opened");
    return c.json(accountJson(account), 201, { location: `/v1/accounts/${account.accountId}` });
  });
  routes.get("/v1/accounts/:id", async (c) => {
    const id = c.req.param("id");
    const account = await store.get(id);
    if (!account) throw accountNotFound(id);
    return c.json(accountJson(account));
  });
  return routes;
}
