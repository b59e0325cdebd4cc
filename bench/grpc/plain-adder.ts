// adder.v1.Adder.Add with the adder's validation and arithmetic but nothing else (no Kafka, no
// telemetry): the baseline the benchmark compares the real adder with. Shared by the entry
// points; it must stay bundlable for Node.js, so it uses no Bun API (see servers.ts for how
// lib/proto finds the .proto files there).
import * as grpc from "@grpc/grpc-js";
import { loadProto } from "@obs/proto";
import { sumOf } from "../../apps/adder/src/add.ts";
import { AppError } from "../../lib/service/src/errors.ts";

type AddCall = grpc.ServerUnaryCall<{ a?: string; b?: string }, { sum: string }>;

const implementation = {
  Add(call: AddCall, callback: grpc.sendUnaryData<{ sum: string }>) {
    let sum: bigint;
    try {
      sum = sumOf(call.request);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      callback({ code: grpc.status.INVALID_ARGUMENT, details: error.message });
      return;
    }
    callback(null, { sum: sum.toString() });
  },
};

/**
 * Serves Add on 127.0.0.1:`port` of `server` (plain, or wrapped by instrumentServer), prints
 * `listening <port>` for the parent, and stops on SIGTERM/SIGINT.
 */
export async function servePlainAdder(server: grpc.Server, onStop?: () => Promise<void>) {
  const portArg = process.argv[2];
  if (!portArg) throw new Error("usage: <entry> <port>");
  server.addService(loadProto("adder").grpc.adder.v1.Adder.service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${portArg}`, grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const stop = async () => {
    server.forceShutdown();
    await onStop?.();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  console.log(`listening ${port}`);
}
