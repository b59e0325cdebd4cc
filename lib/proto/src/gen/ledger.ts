import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from './google/protobuf/Timestamp.ts';
import type { Entry__Input as _ledger_v1_Entry__Input, Entry as _ledger_v1_Entry } from './ledger/v1/Entry.ts';
import type { GetEntryRequest__Input as _ledger_v1_GetEntryRequest__Input, GetEntryRequest as _ledger_v1_GetEntryRequest } from './ledger/v1/GetEntryRequest.ts';
import type { LedgerClient as _ledger_v1_LedgerClient, LedgerDefinition as _ledger_v1_LedgerDefinition } from './ledger/v1/Ledger.ts';
import type { Line__Input as _ledger_v1_Line__Input, Line as _ledger_v1_Line } from './ledger/v1/Line.ts';
import type { PostEntryRequest__Input as _ledger_v1_PostEntryRequest__Input, PostEntryRequest as _ledger_v1_PostEntryRequest } from './ledger/v1/PostEntryRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp__Input, _google_protobuf_Timestamp>
    }
  }
  ledger: {
    v1: {
      Entry: MessageTypeDefinition<_ledger_v1_Entry__Input, _ledger_v1_Entry>
      GetEntryRequest: MessageTypeDefinition<_ledger_v1_GetEntryRequest__Input, _ledger_v1_GetEntryRequest>
      Ledger: SubtypeConstructor<typeof grpc.Client, _ledger_v1_LedgerClient> & { service: _ledger_v1_LedgerDefinition }
      Line: MessageTypeDefinition<_ledger_v1_Line__Input, _ledger_v1_Line>
      PostEntryRequest: MessageTypeDefinition<_ledger_v1_PostEntryRequest__Input, _ledger_v1_PostEntryRequest>
    }
  }
}

