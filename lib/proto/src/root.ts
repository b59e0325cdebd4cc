import { join } from "node:path";

/** Root of the .proto tree; imports are resolved relative to it. */
export const PROTO_ROOT = join(import.meta.dir, "..", "..", "..", "proto");
