// readmodel.v1.ReadModel over gRPC.
import type { Logger } from "@obs/otel";
import type { GetBalanceRequest } from "@obs/proto/gen/readmodel/v1/GetBalanceRequest.ts";
import type { ListStatementsRequest } from "@obs/proto/gen/readmodel/v1/ListStatementsRequest.ts";
import type { ReadModelHandlers } from "@obs/proto/gen/readmodel/v1/ReadModel.ts";
import { unaryHandler } from "@obs/service";
import { getBalance, listStatements } from "./queries.ts";
import type { Store } from "./store.ts";
import { balanceMessage, statementLineMessage } from "./views.ts";

export function readModelHandlers(store: Store, logger: Logger): ReadModelHandlers {
  return {
    GetBalance: unaryHandler(
      async ({ account_id }: GetBalanceRequest) =>
        balanceMessage(await getBalance(store, account_id)),
      logger,
    ),
    ListStatements: unaryHandler(async (request: ListStatementsRequest) => {
      const page = await listStatements(store, {
        accountId: request.account_id,
        pageSize: request.page_size,
        pageToken: request.page_token,
      });
      return { lines: page.lines.map(statementLineMessage), next_page_token: page.nextPageToken };
    }, logger),
  };
}
