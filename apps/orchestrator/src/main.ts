// orchestrator: wiring only; see app.ts.
import { bootApp, onShutdown } from "@obs/service";
import { startOrchestrator } from "./app.ts";

const orchestrator = await startOrchestrator(bootApp("orchestrator"));
onShutdown("orchestrator", () => orchestrator.stop());
