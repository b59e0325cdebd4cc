import { conformance } from "./conformance.ts";

conformance("platformatic");
