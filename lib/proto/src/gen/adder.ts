import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddRequest__Input as _adder_v1_AddRequest__Input, AddRequest as _adder_v1_AddRequest } from './adder/v1/AddRequest.ts';
import type { AddResponse__Input as _adder_v1_AddResponse__Input, AddResponse as _adder_v1_AddResponse } from './adder/v1/AddResponse.ts';
import type { AddStreamResponse__Input as _adder_v1_AddStreamResponse__Input, AddStreamResponse as _adder_v1_AddStreamResponse } from './adder/v1/AddStreamResponse.ts';
import type { AdderClient as _adder_v1_AdderClient, AdderDefinition as _adder_v1_AdderDefinition } from './adder/v1/Adder.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  adder: {
    v1: {
      AddRequest: MessageTypeDefinition<_adder_v1_AddRequest__Input, _adder_v1_AddRequest>
      AddResponse: MessageTypeDefinition<_adder_v1_AddResponse__Input, _adder_v1_AddResponse>
      AddStreamResponse: MessageTypeDefinition<_adder_v1_AddStreamResponse__Input, _adder_v1_AddStreamResponse>
      Adder: SubtypeConstructor<typeof grpc.Client, _adder_v1_AdderClient> & { service: _adder_v1_AdderDefinition }
    }
  }
}

