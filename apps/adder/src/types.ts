// The generated proto types the adder uses (lib/proto/src/gen, from proto/adder/v1): what
// grpc-js hands to handlers (int64 as decimal strings) and what it accepts back.
export type { AdderClient, AdderHandlers } from "@obs/proto/gen/adder/v1/Adder.ts";
export type {
  AddRequest,
  AddRequest__Input as AddRequestInput,
} from "@obs/proto/gen/adder/v1/AddRequest.ts";
export type { AddResponse } from "@obs/proto/gen/adder/v1/AddResponse.ts";
export type { AddStreamResponse } from "@obs/proto/gen/adder/v1/AddStreamResponse.ts";
export type { SumMessage } from "@obs/proto/gen/adder/v1/SumMessage.ts";
export type { Timestamp } from "@obs/proto/gen/google/protobuf/Timestamp.ts";
