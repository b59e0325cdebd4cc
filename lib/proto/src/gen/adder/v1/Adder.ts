// Original file: adder/v1/adder.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddRequest__Input as _adder_v1_AddRequest__Input, AddRequest as _adder_v1_AddRequest } from '../../adder/v1/AddRequest.ts';
import type { AddResponse__Input as _adder_v1_AddResponse__Input, AddResponse as _adder_v1_AddResponse } from '../../adder/v1/AddResponse.ts';
import type { AddStreamResponse__Input as _adder_v1_AddStreamResponse__Input, AddStreamResponse as _adder_v1_AddStreamResponse } from '../../adder/v1/AddStreamResponse.ts';

export interface AdderClient extends grpc.Client {
  Add(argument: _adder_v1_AddRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  Add(argument: _adder_v1_AddRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  Add(argument: _adder_v1_AddRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  Add(argument: _adder_v1_AddRequest__Input, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  add(argument: _adder_v1_AddRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  add(argument: _adder_v1_AddRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  add(argument: _adder_v1_AddRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  add(argument: _adder_v1_AddRequest__Input, callback: grpc.requestCallback<_adder_v1_AddResponse>): grpc.ClientUnaryCall;
  
  AddStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  AddStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  AddStream(options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  AddStream(callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  addStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  addStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  addStream(options: grpc.CallOptions, callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  addStream(callback: grpc.requestCallback<_adder_v1_AddStreamResponse>): grpc.ClientWritableStream<_adder_v1_AddRequest__Input>;
  
}

export interface AdderHandlers extends grpc.UntypedServiceImplementation {
  Add: grpc.handleUnaryCall<_adder_v1_AddRequest, _adder_v1_AddResponse__Input>;
  
  AddStream: grpc.handleClientStreamingCall<_adder_v1_AddRequest, _adder_v1_AddStreamResponse__Input>;
  
}

export interface AdderDefinition extends grpc.ServiceDefinition {
  Add: MethodDefinition<_adder_v1_AddRequest__Input, _adder_v1_AddResponse__Input, _adder_v1_AddRequest, _adder_v1_AddResponse>
  AddStream: MethodDefinition<_adder_v1_AddRequest__Input, _adder_v1_AddStreamResponse__Input, _adder_v1_AddRequest, _adder_v1_AddStreamResponse>
}
