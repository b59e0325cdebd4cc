// The generated proto types, reached through loadProto's return type: @obs/proto exports only
// its index, so the files under lib/proto/src/gen cannot be imported by path.
import type * as grpc from "@grpc/grpc-js";
import type { loadProto } from "@obs/proto";

type AdderProto = ReturnType<typeof loadProto<"adder">>["grpc"];
type V1 = AdderProto["adder"]["v1"];
type Message = { serialize(value: never): Buffer; deserialize(bytes: Buffer): unknown };
/** What grpc-js hands to handlers (int64 as decimal strings). */
type Output<D extends Message> = ReturnType<D["deserialize"]>;
/** What grpc-js accepts from handlers. */
type Input<D extends Message> = Parameters<D["serialize"]>[0];

export type AddRequest = Output<V1["AddRequest"]>;
export type AddRequestInput = Input<V1["AddRequest"]>;
export type AddResponse = Output<V1["AddResponse"]>;
export type AddStreamResponse = Output<V1["AddStreamResponse"]>;
export type SumMessage = Output<V1["SumMessage"]>;
export type Timestamp = Output<AdderProto["google"]["protobuf"]["Timestamp"]>;
export type AdderClient = InstanceType<V1["Adder"]>;

export interface AdderHandlers extends grpc.UntypedServiceImplementation {
  Add: grpc.handleUnaryCall<AddRequest, Input<V1["AddResponse"]>>;
  AddStream: grpc.handleClientStreamingCall<AddRequest, Input<V1["AddStreamResponse"]>>;
}
