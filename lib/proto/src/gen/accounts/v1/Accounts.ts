// Original file: accounts/v1/accounts.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Account__Input as _accounts_v1_Account__Input, Account as _accounts_v1_Account } from '../../accounts/v1/Account.ts';
import type { GetAccountRequest__Input as _accounts_v1_GetAccountRequest__Input, GetAccountRequest as _accounts_v1_GetAccountRequest } from '../../accounts/v1/GetAccountRequest.ts';
import type { OpenAccountRequest__Input as _accounts_v1_OpenAccountRequest__Input, OpenAccountRequest as _accounts_v1_OpenAccountRequest } from '../../accounts/v1/OpenAccountRequest.ts';

export interface AccountsClient extends grpc.Client {
  GetAccount(argument: _accounts_v1_GetAccountRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  GetAccount(argument: _accounts_v1_GetAccountRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  GetAccount(argument: _accounts_v1_GetAccountRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  GetAccount(argument: _accounts_v1_GetAccountRequest__Input, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  getAccount(argument: _accounts_v1_GetAccountRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  getAccount(argument: _accounts_v1_GetAccountRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  getAccount(argument: _accounts_v1_GetAccountRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  getAccount(argument: _accounts_v1_GetAccountRequest__Input, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  
  OpenAccount(argument: _accounts_v1_OpenAccountRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  OpenAccount(argument: _accounts_v1_OpenAccountRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  OpenAccount(argument: _accounts_v1_OpenAccountRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  OpenAccount(argument: _accounts_v1_OpenAccountRequest__Input, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  openAccount(argument: _accounts_v1_OpenAccountRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  openAccount(argument: _accounts_v1_OpenAccountRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  openAccount(argument: _accounts_v1_OpenAccountRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  openAccount(argument: _accounts_v1_OpenAccountRequest__Input, callback: grpc.requestCallback<_accounts_v1_Account>): grpc.ClientUnaryCall;
  
}

export interface AccountsHandlers extends grpc.UntypedServiceImplementation {
  GetAccount: grpc.handleUnaryCall<_accounts_v1_GetAccountRequest, _accounts_v1_Account__Input>;
  
  OpenAccount: grpc.handleUnaryCall<_accounts_v1_OpenAccountRequest, _accounts_v1_Account__Input>;
  
}

export interface AccountsDefinition extends grpc.ServiceDefinition {
  GetAccount: MethodDefinition<_accounts_v1_GetAccountRequest__Input, _accounts_v1_Account__Input, _accounts_v1_GetAccountRequest, _accounts_v1_Account>
  OpenAccount: MethodDefinition<_accounts_v1_OpenAccountRequest__Input, _accounts_v1_Account__Input, _accounts_v1_OpenAccountRequest, _accounts_v1_Account>
}
