// POST /v1/add for curl users: the same validation and publishing as the gRPC Add. The shared
// HTTP server traces the request (its SERVER span is what the SumMessage's trace_id/span_id
// point at) and turns a thrown AppError into the JSON error every app answers with.
import type { Logger } from "@obs/otel";
import { AppError, readJsonBody } from "@obs/service";
import { Hono } from "hono";
import { InvalidArgumentError, sumOf } from "./add.ts";
import { PublishError, type SumPublisher } from "./publish.ts";

export interface AdderRoutesDeps {
  publisher: SumPublisher;
  logger: Logger;
}

export function adderRoutes({ publisher, logger }: AdderRoutesDeps): Hono {
  const routes = new Hono();
  routes.post("/v1/add", async (c) => {
    const body = await readJsonBody(c);
    try {
      const sum = sumOf(body);
      await publisher.publish([sum]);
      return c.json({ sum: sum.toString() });
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw AppError.invalidArgument(error.message);
      if (error instanceof PublishError) {
        logger.warn({ err: error.cause ?? error }, error.message);
        throw AppError.unavailable(error.message, error.cause);
      }
      throw error;
    }
  });
  return routes;
}
