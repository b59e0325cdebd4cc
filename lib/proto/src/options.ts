import type { Options } from "@grpc/proto-loader";

// One set of options for the runtime loader and the type generator, so the generated
// types describe exactly the objects grpc-js hands to handlers.
export const LOADER_OPTIONS = {
  // snake_case field names, as in the .proto files and the REST JSON bodies.
  keepCase: true,
  // int64 as decimal strings: amounts in minor units must not lose precision.
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} satisfies Options;
