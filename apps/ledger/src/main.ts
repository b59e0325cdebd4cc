// ledger: wiring only; see app.ts.
import { bootApp, onShutdown } from "@obs/service";
import { startLedger } from "./app.ts";

const ledger = await startLedger(bootApp("ledger"));
onShutdown("ledger", () => ledger.stop());
