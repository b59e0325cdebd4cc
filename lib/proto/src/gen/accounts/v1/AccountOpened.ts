// Original file: accounts/v1/account_opened.proto

import type { Account__Input as _accounts_v1_Account__Input, Account as _accounts_v1_Account } from '../../accounts/v1/Account.ts';

export interface AccountOpened__Input {
  'event_id'?: (string);
  'schema_version'?: (number);
  'account'?: (_accounts_v1_Account__Input | null);
}

export interface AccountOpened {
  'event_id': (string);
  'schema_version': (number);
  'account': (_accounts_v1_Account | null);
}
