// Entry of the Node.js conformance run (see scripts/conformance-node.ts); not a Bun test file,
// because the confluent addon does not load on Bun.
import { conformance } from "./conformance.ts";

conformance("confluent");
