// accounts: started from the environment; see app.ts.
import { runMain } from "@obs/service";
import { accountsApp } from "./app.ts";

await runMain(accountsApp);
