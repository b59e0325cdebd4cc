// Original file: orchestrator/v1/orchestrator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateTransferRequest__Input as _orchestrator_v1_CreateTransferRequest__Input, CreateTransferRequest as _orchestrator_v1_CreateTransferRequest } from '../../orchestrator/v1/CreateTransferRequest.ts';
import type { Transfer__Input as _orchestrator_v1_Transfer__Input, Transfer as _orchestrator_v1_Transfer } from '../../orchestrator/v1/Transfer.ts';

export interface TransfersClient extends grpc.Client {
  Create(argument: _orchestrator_v1_CreateTransferRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  Create(argument: _orchestrator_v1_CreateTransferRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  Create(argument: _orchestrator_v1_CreateTransferRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  Create(argument: _orchestrator_v1_CreateTransferRequest__Input, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  create(argument: _orchestrator_v1_CreateTransferRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  create(argument: _orchestrator_v1_CreateTransferRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  create(argument: _orchestrator_v1_CreateTransferRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  create(argument: _orchestrator_v1_CreateTransferRequest__Input, callback: grpc.requestCallback<_orchestrator_v1_Transfer>): grpc.ClientUnaryCall;
  
}

export interface TransfersHandlers extends grpc.UntypedServiceImplementation {
  Create: grpc.handleUnaryCall<_orchestrator_v1_CreateTransferRequest, _orchestrator_v1_Transfer__Input>;
  
}

export interface TransfersDefinition extends grpc.ServiceDefinition {
  Create: MethodDefinition<_orchestrator_v1_CreateTransferRequest__Input, _orchestrator_v1_Transfer__Input, _orchestrator_v1_CreateTransferRequest, _orchestrator_v1_Transfer>
}
