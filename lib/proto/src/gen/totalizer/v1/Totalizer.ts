// Original file: totalizer/v1/totalizer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetTotalRequest__Input as _totalizer_v1_GetTotalRequest__Input, GetTotalRequest as _totalizer_v1_GetTotalRequest } from '../../totalizer/v1/GetTotalRequest.ts';
import type { GetTotalResponse__Input as _totalizer_v1_GetTotalResponse__Input, GetTotalResponse as _totalizer_v1_GetTotalResponse } from '../../totalizer/v1/GetTotalResponse.ts';

export interface TotalizerClient extends grpc.Client {
  GetTotal(argument: _totalizer_v1_GetTotalRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  GetTotal(argument: _totalizer_v1_GetTotalRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  GetTotal(argument: _totalizer_v1_GetTotalRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  GetTotal(argument: _totalizer_v1_GetTotalRequest__Input, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  getTotal(argument: _totalizer_v1_GetTotalRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  getTotal(argument: _totalizer_v1_GetTotalRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  getTotal(argument: _totalizer_v1_GetTotalRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  getTotal(argument: _totalizer_v1_GetTotalRequest__Input, callback: grpc.requestCallback<_totalizer_v1_GetTotalResponse>): grpc.ClientUnaryCall;
  
}

export interface TotalizerHandlers extends grpc.UntypedServiceImplementation {
  GetTotal: grpc.handleUnaryCall<_totalizer_v1_GetTotalRequest, _totalizer_v1_GetTotalResponse__Input>;
  
}

export interface TotalizerDefinition extends grpc.ServiceDefinition {
  GetTotal: MethodDefinition<_totalizer_v1_GetTotalRequest__Input, _totalizer_v1_GetTotalResponse__Input, _totalizer_v1_GetTotalRequest, _totalizer_v1_GetTotalResponse>
}
