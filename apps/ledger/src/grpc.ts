// ledger.v1.Ledger over gRPC. lib/otel opens the SERVER span before these run, so the outbox
// row written by PostEntry stores that span's traceparent.
import type { Logger } from "@obs/otel";
import type { GetEntryRequest } from "@obs/proto/gen/ledger/v1/GetEntryRequest.ts";
import type { LedgerHandlers } from "@obs/proto/gen/ledger/v1/Ledger.ts";
import type { PostEntryRequest } from "@obs/proto/gen/ledger/v1/PostEntryRequest.ts";
import { AppError, unaryHandler } from "@obs/service";
import { entryMessage, parseEntry } from "./entry.ts";
import type { Ledger } from "./ledger.ts";

export function ledgerHandlers(ledger: Ledger, logger: Logger): LedgerHandlers {
  return {
    PostEntry: unaryHandler(
      async (request: PostEntryRequest) =>
        entryMessage((await ledger.post(parseEntry(request))).entry),
      logger,
    ),
    GetEntry: unaryHandler(async ({ entry_id }: GetEntryRequest) => {
      if (!entry_id) throw AppError.invalidArgument("entry_id is required");
      return entryMessage(await ledger.get(entry_id));
    }, logger),
  };
}
