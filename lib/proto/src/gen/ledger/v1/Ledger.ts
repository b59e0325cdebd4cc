// Original file: ledger/v1/ledger.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Entry__Input as _ledger_v1_Entry__Input, Entry as _ledger_v1_Entry } from '../../ledger/v1/Entry.ts';
import type { GetEntryRequest__Input as _ledger_v1_GetEntryRequest__Input, GetEntryRequest as _ledger_v1_GetEntryRequest } from '../../ledger/v1/GetEntryRequest.ts';
import type { PostEntryRequest__Input as _ledger_v1_PostEntryRequest__Input, PostEntryRequest as _ledger_v1_PostEntryRequest } from '../../ledger/v1/PostEntryRequest.ts';

export interface LedgerClient extends grpc.Client {
  GetEntry(argument: _ledger_v1_GetEntryRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  GetEntry(argument: _ledger_v1_GetEntryRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  GetEntry(argument: _ledger_v1_GetEntryRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  GetEntry(argument: _ledger_v1_GetEntryRequest__Input, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  getEntry(argument: _ledger_v1_GetEntryRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  getEntry(argument: _ledger_v1_GetEntryRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  getEntry(argument: _ledger_v1_GetEntryRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  getEntry(argument: _ledger_v1_GetEntryRequest__Input, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  
  PostEntry(argument: _ledger_v1_PostEntryRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  PostEntry(argument: _ledger_v1_PostEntryRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  PostEntry(argument: _ledger_v1_PostEntryRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  PostEntry(argument: _ledger_v1_PostEntryRequest__Input, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  postEntry(argument: _ledger_v1_PostEntryRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  postEntry(argument: _ledger_v1_PostEntryRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  postEntry(argument: _ledger_v1_PostEntryRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  postEntry(argument: _ledger_v1_PostEntryRequest__Input, callback: grpc.requestCallback<_ledger_v1_Entry>): grpc.ClientUnaryCall;
  
}

export interface LedgerHandlers extends grpc.UntypedServiceImplementation {
  GetEntry: grpc.handleUnaryCall<_ledger_v1_GetEntryRequest, _ledger_v1_Entry__Input>;
  
  PostEntry: grpc.handleUnaryCall<_ledger_v1_PostEntryRequest, _ledger_v1_Entry__Input>;
  
}

export interface LedgerDefinition extends grpc.ServiceDefinition {
  GetEntry: MethodDefinition<_ledger_v1_GetEntryRequest__Input, _ledger_v1_Entry__Input, _ledger_v1_GetEntryRequest, _ledger_v1_Entry>
  PostEntry: MethodDefinition<_ledger_v1_PostEntryRequest__Input, _ledger_v1_Entry__Input, _ledger_v1_PostEntryRequest, _ledger_v1_Entry>
}
