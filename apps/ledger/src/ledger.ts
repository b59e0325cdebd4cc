// The use cases both ports share: post an entry (counting what was created) and read one.
import { inSpan, type Logger } from "@obs/otel";
import { AppError } from "@obs/service";
import type { Meter } from "@opentelemetry/api";
import type { Entry, NewEntry } from "./entry.ts";
import type { PostResult, Store } from "./store.ts";

const SCOPE = "@obs/ledger";

export interface Ledger {
  post(entry: NewEntry): Promise<PostResult>;
  /** NOT_FOUND when there is no such entry. */
  get(entryId: string): Promise<Entry>;
}

export function createLedger(deps: {
  store: Store;
  topic: string;
  meter: Meter;
  logger: Logger;
}): Ledger {
  const { store, topic, logger } = deps;
  const entriesCreated = deps.meter.createCounter("ledger_entries_created", {
    description: "Ledger entries committed (idempotent replays not counted).",
  });
  return {
    async post(entry) {
      // One step in the trace: the posting transaction, or the stored entry it replays.
      const result = await inSpan(
        SCOPE,
        "post entry",
        async (span) => {
          const posted = await store.postEntry(entry, topic);
          span.setAttribute("ledger.entry.created", posted.created);
          return posted;
        },
        { "ledger.entry.lines": entry.lines.length },
      );
      if (result.created) {
        // After the commit: a rolled-back posting never counts.
        entriesCreated.add(1);
        logger.info({ entry_id: entry.entryId, lines: entry.lines.length }, "entry posted");
      } else logger.info({ entry_id: entry.entryId }, "entry already posted; returning it");
      return result;
    },
    async get(entryId) {
      const entry = await store.getEntry(entryId);
      if (!entry) throw AppError.notFound(`entry ${entryId} not found`);
      return entry;
    },
  };
}
