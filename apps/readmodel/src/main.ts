// readmodel: wiring only; see app.ts.
import { bootApp, onShutdown } from "@obs/service";
import { startReadModel } from "./app.ts";

const readModel = await startReadModel(bootApp("readmodel"));
onShutdown("readmodel", () => readModel.stop());
