// readmodel.v1.ReadModel over gRPC.
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "@obs/otel";
import type { ReadModelHandlers } from "@obs/proto/gen/readmodel/v1/ReadModel.ts";
import { statusOf } from "@obs/service";
import { getBalance, listStatements, QueryError } from "./queries.ts";
import type { Store } from "./store.ts";
import { balanceMessage, statementLineMessage } from "./views.ts";

const CODES = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
} as const;

function fail(method: string, logger: Logger, error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof QueryError) return { code: CODES[error.code], details: error.message };
  // A value the database refused is the request's fault, not an outage to retry.
  const status = statusOf(error);
  if (status) return { code: status.code, details: status.message };
  logger.error({ err: error }, `${method}: reading the read model failed`);
  // The database being away is a retryable condition for the caller, not a bug.
  return { code: grpc.status.UNAVAILABLE, details: "read model is unavailable" };
}

export function readModelHandlers(store: Store, logger: Logger): ReadModelHandlers {
  return {
    GetBalance(call, callback) {
      getBalance(store, call.request.account_id).then(
        (row) => callback(null, balanceMessage(row)),
        (error: unknown) => callback(fail("GetBalance", logger, error)),
      );
    },
    ListStatements(call, callback) {
      const { account_id, page_size, page_token } = call.request;
      listStatements(store, {
        accountId: account_id,
        pageSize: page_size,
        pageToken: page_token,
      }).then(
        (page) =>
          callback(null, {
            lines: page.lines.map(statementLineMessage),
            next_page_token: page.nextPageToken,
          }),
        (error: unknown) => callback(fail("ListStatements", logger, error)),
      );
    },
  };
}
