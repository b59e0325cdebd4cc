// readmodel: started from the environment; see app.ts.
import { runMain } from "@obs/service";
import { readModelApp } from "./app.ts";

await runMain(readModelApp);
