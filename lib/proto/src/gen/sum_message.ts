import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { SumMessage__Input as _adder_v1_SumMessage__Input, SumMessage as _adder_v1_SumMessage } from './adder/v1/SumMessage.ts';
import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from './google/protobuf/Timestamp.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  adder: {
    v1: {
      SumMessage: MessageTypeDefinition<_adder_v1_SumMessage__Input, _adder_v1_SumMessage>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp__Input, _google_protobuf_Timestamp>
    }
  }
}

