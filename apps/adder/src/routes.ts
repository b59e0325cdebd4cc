// POST /v1/add for curl users: the same validation and publishing as the gRPC Add. The shared
// HTTP server traces the request (its SERVER span is what the SumMessage's trace_id/span_id
// point at) and turns a thrown AppError into the JSON error every app answers with.
import { readJsonBody } from "@obs/service";
import { Hono } from "hono";
import { sumOf } from "./add.ts";
import type { SumPublisher } from "./publish.ts";

export function adderRoutes({ publisher }: { publisher: SumPublisher }): Hono {
  const routes = new Hono();
  routes.post("/v1/add", async (c) => {
    const sum = sumOf(await readJsonBody(c));
    await publisher.publish([sum]);
    return c.json({ sum: sum.toString() });
  });
  return routes;
}
