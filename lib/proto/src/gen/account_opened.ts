import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Account__Input as _accounts_v1_Account__Input, Account as _accounts_v1_Account } from './accounts/v1/Account.ts';
import type { AccountOpened__Input as _accounts_v1_AccountOpened__Input, AccountOpened as _accounts_v1_AccountOpened } from './accounts/v1/AccountOpened.ts';
import type { AccountsClient as _accounts_v1_AccountsClient, AccountsDefinition as _accounts_v1_AccountsDefinition } from './accounts/v1/Accounts.ts';
import type { GetAccountRequest__Input as _accounts_v1_GetAccountRequest__Input, GetAccountRequest as _accounts_v1_GetAccountRequest } from './accounts/v1/GetAccountRequest.ts';
import type { OpenAccountRequest__Input as _accounts_v1_OpenAccountRequest__Input, OpenAccountRequest as _accounts_v1_OpenAccountRequest } from './accounts/v1/OpenAccountRequest.ts';
import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from './google/protobuf/Timestamp.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  accounts: {
    v1: {
      Account: MessageTypeDefinition<_accounts_v1_Account__Input, _accounts_v1_Account>
      AccountOpened: MessageTypeDefinition<_accounts_v1_AccountOpened__Input, _accounts_v1_AccountOpened>
      Accounts: SubtypeConstructor<typeof grpc.Client, _accounts_v1_AccountsClient> & { service: _accounts_v1_AccountsDefinition }
      GetAccountRequest: MessageTypeDefinition<_accounts_v1_GetAccountRequest__Input, _accounts_v1_GetAccountRequest>
      OpenAccountRequest: MessageTypeDefinition<_accounts_v1_OpenAccountRequest__Input, _accounts_v1_OpenAccountRequest>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp__Input, _google_protobuf_Timestamp>
    }
  }
}

