// totalizer.v1.Totalizer over gRPC.
import type { Logger } from "@obs/otel";
import { timestampOf } from "@obs/proto";
import type { TotalizerHandlers } from "@obs/proto/gen/totalizer/v1/Totalizer.ts";
import { unaryHandler } from "@obs/service";
import type { Store } from "./store.ts";

export function totalizerHandlers(store: Store, topic: string, logger: Logger): TotalizerHandlers {
  return {
    GetTotal: unaryHandler(async () => {
      const snapshot = await store.getTotal(topic);
      return {
        total: snapshot.total.toString(),
        message_count: snapshot.messageCount.toString(),
        updated_at: snapshot.updatedAt ? timestampOf(snapshot.updatedAt) : null,
      };
    }, logger),
  };
}
