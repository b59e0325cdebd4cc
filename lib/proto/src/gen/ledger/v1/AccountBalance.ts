// Original file: ledger/v1/entry_posted.proto

import type { Long } from '@grpc/proto-loader';

export interface AccountBalance__Input {
  'account_id'?: (string);
  'currency'?: (string);
  'balance_minor'?: (number | string | Long);
}

export interface AccountBalance {
  'account_id': (string);
  'currency': (string);
  'balance_minor': (string);
}
