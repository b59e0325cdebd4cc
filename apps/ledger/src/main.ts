// ledger: started from the environment; see app.ts.
import { runMain } from "@obs/service";
import { ledgerApp } from "./app.ts";

await runMain(ledgerApp);
