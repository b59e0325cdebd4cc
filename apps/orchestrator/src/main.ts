// orchestrator: started from the environment; see app.ts.
import { runMain } from "@obs/service";
import { orchestratorApp } from "./app.ts";

await runMain(orchestratorApp);
