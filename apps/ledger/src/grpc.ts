// ledger.v1.Ledger over gRPC. lib/otel opens the SERVER span before these run, so the outbox
// row written by PostEntry stores that span's traceparent.
import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "@obs/otel";
import { AppError, unaryHandler } from "@obs/service";
import { entryMessage, parseEntry } from "./entry.ts";
import type { Ledger } from "./ledger.ts";

type EntryReply = ReturnType<typeof entryMessage>;

export function ledgerHandlers(ledger: Ledger, logger: Logger): grpc.UntypedServiceImplementation {
  return {
    PostEntry: unaryHandler<unknown, EntryReply>(
      async (request) => entryMessage((await ledger.post(parseEntry(request))).entry),
      logger,
    ),
    GetEntry: unaryHandler<{ entry_id?: string }, EntryReply>(async ({ entry_id }) => {
      if (!entry_id) throw AppError.invalidArgument("entry_id is required");
      return entryMessage(await ledger.get(entry_id));
    }, logger),
  };
}
