// accounts.v1.Accounts over gRPC. lib/otel opens the SERVER span before these run, so the
// outbox row written by OpenAccount stores that span's traceparent.
import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "@obs/otel";
import { unaryHandler } from "@obs/service";
import { accountMessage, accountNotFound, parseOpenAccount } from "./account.ts";
import type { Store } from "./store.ts";

interface OpenAccountRequest {
  currency?: string;
  min_balance_minor?: string | null;
}
interface GetAccountRequest {
  account_id?: string;
}
type AccountReply = ReturnType<typeof accountMessage>;

export function accountsHandlers(
  store: Store,
  topic: string,
  logger: Logger,
): grpc.UntypedServiceImplementation {
  return {
    OpenAccount: unaryHandler<OpenAccountRequest, AccountReply>(async (request) => {
      const account = await store.open(parseOpenAccount(request), topic);
      logger.info({ account_id: account.accountId, currency: account.currency }, "account opened");
      return accountMessage(account);
    }, logger),
    GetAccount: unaryHandler<GetAccountRequest, AccountReply>(async ({ account_id }) => {
      const account = await store.get(account_id ?? "");
      if (!account) throw accountNotFound(account_id);
      return accountMessage(account);
    }, logger),
  };
}
