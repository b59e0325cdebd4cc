// The one external shape of a total, shared by gRPC and REST so the two cannot disagree.
import type { TotalSnapshot } from "./store.ts";

export interface TotalView {
  /** int64 as a decimal string: JSON numbers lose precision above 2^53. */
  total: string;
  message_count: string;
  /** RFC 3339; null before the first message. */
  updated_at: string | null;
}

export function totalView(snapshot: TotalSnapshot): TotalView {
  return {
    total: snapshot.total.toString(),
    message_count: snapshot.messageCount.toString(),
    updated_at: snapshot.updatedAt?.toISOString() ?? null,
  };
}
