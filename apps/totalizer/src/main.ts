// totalizer: wiring only. The foundation serves /healthz, /readyz and /metrics on the app's HTTP
// port; the app's gRPC service and domain logic are added by its own issue.
import { bootApp, serveHttp } from "@obs/service";

const app = bootApp("totalizer");
serveHttp(app);
