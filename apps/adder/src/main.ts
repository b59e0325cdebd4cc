// adder: gRPC adder.v1.Adder on GRPC_PORT (50051), REST/health/metrics on HTTP_PORT (9090).
import { exitOnSignals, onShutdown } from "@obs/service";
import { startAdder } from "./app.ts";

const adder = await startAdder();
onShutdown("adder", () => adder.stop());
exitOnSignals((line) => adder.telemetry.logger.info(line));
