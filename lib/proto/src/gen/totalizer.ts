import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from './google/protobuf/Timestamp.ts';
import type { GetTotalRequest__Input as _totalizer_v1_GetTotalRequest__Input, GetTotalRequest as _totalizer_v1_GetTotalRequest } from './totalizer/v1/GetTotalRequest.ts';
import type { GetTotalResponse__Input as _totalizer_v1_GetTotalResponse__Input, GetTotalResponse as _totalizer_v1_GetTotalResponse } from './totalizer/v1/GetTotalResponse.ts';
import type { TotalizerClient as _totalizer_v1_TotalizerClient, TotalizerDefinition as _totalizer_v1_TotalizerDefinition } from './totalizer/v1/Totalizer.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp__Input, _google_protobuf_Timestamp>
    }
  }
  totalizer: {
    v1: {
      GetTotalRequest: MessageTypeDefinition<_totalizer_v1_GetTotalRequest__Input, _totalizer_v1_GetTotalRequest>
      GetTotalResponse: MessageTypeDefinition<_totalizer_v1_GetTotalResponse__Input, _totalizer_v1_GetTotalResponse>
      Totalizer: SubtypeConstructor<typeof grpc.Client, _totalizer_v1_TotalizerClient> & { service: _totalizer_v1_TotalizerDefinition }
    }
  }
}

