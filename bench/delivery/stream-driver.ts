// Drives Adder.AddStream at a fixed message rate: unary Add tops out at a few thousand calls a
// second on this machine (one RPC, two spans and one produce per message), so rates above that
// are offered as client streams, which the adder publishes in batches (ADDER_BATCH_MAX /
// ADDER_BATCH_LINGER_MS). Delivery latency is still measured per message, from its
// produced_at to the totalizer.
import * as grpc from "@grpc/grpc-js";
import { loadProto } from "@obs/proto";

export interface StreamDriveResult {
  /** Messages the adder acknowledged (sum of the streams' counts). */
  sent: number;
  errors: number;
  achievedRate: number;
  elapsedS: number;
}

const TICK_MS = 5;

export async function driveStreams(
  adderAddr: string,
  { rate, seconds, streams = 4 }: { rate: number; seconds: number; streams?: number },
): Promise<StreamDriveResult> {
  const { grpc: proto } = loadProto("adder");
  // One channel per stream: a single HTTP/2 connection is one TCP stream, one event-loop turn.
  const clients = Array.from(
    { length: streams },
    () => new proto.adder.v1.Adder(adderAddr, grpc.credentials.createInsecure()),
  );
  const perStream = rate / streams;
  const start = performance.now();
  const end = start + seconds * 1000;
  try {
    const outcomes = await Promise.all(
      clients.map(
        (client) =>
          new Promise<{ count: number; error: boolean }>((resolve) => {
            const call = client.AddStream(
              (error: grpc.ServiceError | null, reply?: { count: string }) =>
                resolve(
                  error
                    ? { count: 0, error: true }
                    : { count: Number(reply?.count ?? 0), error: false },
                ),
            );
            let written = 0;
            const pump = async () => {
              while (performance.now() < end) {
                const due = Math.floor(((performance.now() - start) / 1000) * perStream);
                while (written < due) {
                  written++;
                  if (!call.write({ a: String(written), b: "1" }))
                    await new Promise((r) => call.once("drain", r));
                }
                await Bun.sleep(TICK_MS);
              }
              call.end();
            };
            pump().catch(() => call.end());
          }),
      ),
    );
    const elapsedS = (performance.now() - start) / 1000;
    const sent = outcomes.reduce((n, o) => n + o.count, 0);
    return {
      sent,
      errors: outcomes.filter((o) => o.error).length,
      achievedRate: sent / seconds,
      elapsedS,
    };
  } finally {
    for (const client of clients) client.close();
  }
}
