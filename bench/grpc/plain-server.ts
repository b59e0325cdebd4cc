// The plain Adder.Add server: no telemetry at all. Run by Bun directly and by Node.js as a
// bundle (bench/grpc/servers.ts builds it), so the gRPC stack itself is compared.
import * as grpc from "@grpc/grpc-js";
import { servePlainAdder } from "./plain-adder.ts";

await servePlainAdder(new grpc.Server());
