// accounts.v1.Accounts over gRPC. lib/otel opens the SERVER span before these run, so the
// outbox row written by OpenAccount stores that span's traceparent.
import type { Logger } from "@obs/otel";
import type { AccountsHandlers } from "@obs/proto/gen/accounts/v1/Accounts.ts";
import type { GetAccountRequest } from "@obs/proto/gen/accounts/v1/GetAccountRequest.ts";
import type { OpenAccountRequest } from "@obs/proto/gen/accounts/v1/OpenAccountRequest.ts";
import { unaryHandler } from "@obs/service";
import { accountMessage, accountNotFound, parseOpenAccount } from "./account.ts";
import type { Store } from "./store.ts";

export function accountsHandlers(store: Store, topic: string, logger: Logger): AccountsHandlers {
  return {
    OpenAccount: unaryHandler(async (request: OpenAccountRequest) => {
      const account = await store.open(parseOpenAccount(request), topic);
      logger.info({ account_id: account.accountId, currency: account.currency }, "account opened");
      return accountMessage(account);
    }, logger),
    GetAccount: unaryHandler(async ({ account_id }: GetAccountRequest) => {
      const account = await store.get(account_id ?? "");
      if (!account) throw accountNotFound(account_id);
      return accountMessage(account);
    }, logger),
  };
}
