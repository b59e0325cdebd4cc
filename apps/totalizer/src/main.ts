// totalizer: wiring only; see app.ts.
import { bootApp, onShutdown } from "@obs/service";
import { startTotalizer } from "./app.ts";

const totalizer = await startTotalizer(bootApp("totalizer"));
onShutdown("totalizer", () => totalizer.stop());
