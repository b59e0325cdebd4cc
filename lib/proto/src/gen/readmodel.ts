import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from './google/protobuf/Timestamp.ts';
import type { Balance__Input as _readmodel_v1_Balance__Input, Balance as _readmodel_v1_Balance } from './readmodel/v1/Balance.ts';
import type { GetBalanceRequest__Input as _readmodel_v1_GetBalanceRequest__Input, GetBalanceRequest as _readmodel_v1_GetBalanceRequest } from './readmodel/v1/GetBalanceRequest.ts';
import type { ListStatementsRequest__Input as _readmodel_v1_ListStatementsRequest__Input, ListStatementsRequest as _readmodel_v1_ListStatementsRequest } from './readmodel/v1/ListStatementsRequest.ts';
import type { ListStatementsResponse__Input as _readmodel_v1_ListStatementsResponse__Input, ListStatementsResponse as _readmodel_v1_ListStatementsResponse } from './readmodel/v1/ListStatementsResponse.ts';
import type { ReadModelClient as _readmodel_v1_ReadModelClient, ReadModelDefinition as _readmodel_v1_ReadModelDefinition } from './readmodel/v1/ReadModel.ts';
import type { StatementLine__Input as _readmodel_v1_StatementLine__Input, StatementLine as _readmodel_v1_StatementLine } from './readmodel/v1/StatementLine.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp__Input, _google_protobuf_Timestamp>
    }
  }
  readmodel: {
    v1: {
      Balance: MessageTypeDefinition<_readmodel_v1_Balance__Input, _readmodel_v1_Balance>
      GetBalanceRequest: MessageTypeDefinition<_readmodel_v1_GetBalanceRequest__Input, _readmodel_v1_GetBalanceRequest>
      ListStatementsRequest: MessageTypeDefinition<_readmodel_v1_ListStatementsRequest__Input, _readmodel_v1_ListStatementsRequest>
      ListStatementsResponse: MessageTypeDefinition<_readmodel_v1_ListStatementsResponse__Input, _readmodel_v1_ListStatementsResponse>
      ReadModel: SubtypeConstructor<typeof grpc.Client, _readmodel_v1_ReadModelClient> & { service: _readmodel_v1_ReadModelDefinition }
      StatementLine: MessageTypeDefinition<_readmodel_v1_StatementLine__Input, _readmodel_v1_StatementLine>
    }
  }
}

