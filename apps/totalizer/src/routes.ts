// REST: GET /v1/total, the same answer as Totalizer.GetTotal.
import { Hono } from "hono";
import type { Store } from "./store.ts";
import { totalView } from "./total.ts";

export function totalizerRoutes(store: Store, topic: string): Hono {
  return new Hono().get("/v1/total", async (c) => c.json(totalView(await store.getTotal(topic))));
}
