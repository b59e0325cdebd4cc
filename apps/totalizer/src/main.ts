// totalizer: started from the environment; see app.ts.
import { runMain } from "@obs/service";
import { totalizerApp } from "./app.ts";

await runMain(totalizerApp);
