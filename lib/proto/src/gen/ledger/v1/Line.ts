// Original file: ledger/v1/ledger.proto

import type { Long } from '@grpc/proto-loader';

export interface Line__Input {
  'account_id'?: (string);
  'currency'?: (string);
  'amount_minor'?: (number | string | Long);
  'min_balance_minor'?: (number | string | Long);
  '_min_balance_minor'?: "min_balance_minor";
}

export interface Line {
  'account_id': (string);
  'currency': (string);
  'amount_minor': (string);
  'min_balance_minor'?: (string);
  '_min_balance_minor'?: "min_balance_minor";
}
