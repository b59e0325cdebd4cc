// accounts: wiring only; see app.ts.
import { bootApp, onShutdown } from "@obs/service";
import { startAccounts } from "./app.ts";

const accounts = await startAccounts(bootApp("accounts"));
onShutdown("accounts", () => accounts.stop());
