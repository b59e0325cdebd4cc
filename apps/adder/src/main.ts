// adder: started from the environment; see app.ts.
import { runMain } from "@obs/service";
import { adderApp } from "./app.ts";

await runMain(adderApp);
