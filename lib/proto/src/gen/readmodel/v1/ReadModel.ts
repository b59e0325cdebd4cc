// Original file: readmodel/v1/readmodel.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Balance__Input as _readmodel_v1_Balance__Input, Balance as _readmodel_v1_Balance } from '../../readmodel/v1/Balance.ts';
import type { GetBalanceRequest__Input as _readmodel_v1_GetBalanceRequest__Input, GetBalanceRequest as _readmodel_v1_GetBalanceRequest } from '../../readmodel/v1/GetBalanceRequest.ts';
import type { ListStatementsRequest__Input as _readmodel_v1_ListStatementsRequest__Input, ListStatementsRequest as _readmodel_v1_ListStatementsRequest } from '../../readmodel/v1/ListStatementsRequest.ts';
import type { ListStatementsResponse__Input as _readmodel_v1_ListStatementsResponse__Input, ListStatementsResponse as _readmodel_v1_ListStatementsResponse } from '../../readmodel/v1/ListStatementsResponse.ts';

export interface ReadModelClient extends grpc.Client {
  GetBalance(argument: _readmodel_v1_GetBalanceRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  GetBalance(argument: _readmodel_v1_GetBalanceRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  GetBalance(argument: _readmodel_v1_GetBalanceRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  GetBalance(argument: _readmodel_v1_GetBalanceRequest__Input, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  getBalance(argument: _readmodel_v1_GetBalanceRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  getBalance(argument: _readmodel_v1_GetBalanceRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  getBalance(argument: _readmodel_v1_GetBalanceRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  getBalance(argument: _readmodel_v1_GetBalanceRequest__Input, callback: grpc.requestCallback<_readmodel_v1_Balance>): grpc.ClientUnaryCall;
  
  ListStatements(argument: _readmodel_v1_ListStatementsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  ListStatements(argument: _readmodel_v1_ListStatementsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  ListStatements(argument: _readmodel_v1_ListStatementsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  ListStatements(argument: _readmodel_v1_ListStatementsRequest__Input, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  listStatements(argument: _readmodel_v1_ListStatementsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  listStatements(argument: _readmodel_v1_ListStatementsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  listStatements(argument: _readmodel_v1_ListStatementsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  listStatements(argument: _readmodel_v1_ListStatementsRequest__Input, callback: grpc.requestCallback<_readmodel_v1_ListStatementsResponse>): grpc.ClientUnaryCall;
  
}

export interface ReadModelHandlers extends grpc.UntypedServiceImplementation {
  GetBalance: grpc.handleUnaryCall<_readmodel_v1_GetBalanceRequest, _readmodel_v1_Balance__Input>;
  
  ListStatements: grpc.handleUnaryCall<_readmodel_v1_ListStatementsRequest, _readmodel_v1_ListStatementsResponse__Input>;
  
}

export interface ReadModelDefinition extends grpc.ServiceDefinition {
  GetBalance: MethodDefinition<_readmodel_v1_GetBalanceRequest__Input, _readmodel_v1_Balance__Input, _readmodel_v1_GetBalanceRequest, _readmodel_v1_Balance>
  ListStatements: MethodDefinition<_readmodel_v1_ListStatementsRequest__Input, _readmodel_v1_ListStatementsResponse__Input, _readmodel_v1_ListStatementsRequest, _readmodel_v1_ListStatementsResponse>
}
