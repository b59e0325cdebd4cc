// REST: GET /v1/total, the same answer as Totalizer.GetTotal.
import type { Logger } from "@obs/otel";
import { Hono } from "hono";
import type { Store } from "./store.ts";
import { totalView } from "./total.ts";

export function totalizerRoutes(store: Store, topic: string, logger: Logger): Hono {
  const routes = new Hono();
  routes.get("/v1/total", async (c) => {
    try {
      return c.json(totalView(await store.getTotal(topic)));
    } catch (error) {
      logger.error({ err: error }, "GET /v1/total: reading the total failed");
      return c.json({ error: "total is unavailable" }, 503);
    }
  });
  return routes;
}
