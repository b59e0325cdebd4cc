import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from './google/protobuf/Timestamp.ts';
import type { CreateTransferRequest__Input as _orchestrator_v1_CreateTransferRequest__Input, CreateTransferRequest as _orchestrator_v1_CreateTransferRequest } from './orchestrator/v1/CreateTransferRequest.ts';
import type { Transfer__Input as _orchestrator_v1_Transfer__Input, Transfer as _orchestrator_v1_Transfer } from './orchestrator/v1/Transfer.ts';
import type { TransfersClient as _orchestrator_v1_TransfersClient, TransfersDefinition as _orchestrator_v1_TransfersDefinition } from './orchestrator/v1/Transfers.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp__Input, _google_protobuf_Timestamp>
    }
  }
  orchestrator: {
    v1: {
      CreateTransferRequest: MessageTypeDefinition<_orchestrator_v1_CreateTransferRequest__Input, _orchestrator_v1_CreateTransferRequest>
      Transfer: MessageTypeDefinition<_orchestrator_v1_Transfer__Input, _orchestrator_v1_Transfer>
      Transfers: SubtypeConstructor<typeof grpc.Client, _orchestrator_v1_TransfersClient> & { service: _orchestrator_v1_TransfersDefinition }
    }
  }
}

