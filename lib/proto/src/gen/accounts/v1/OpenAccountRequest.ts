// Original file: accounts/v1/accounts.proto

import type { Long } from '@grpc/proto-loader';

export interface OpenAccountRequest__Input {
  'currency'?: (string);
  'min_balance_minor'?: (number | string | Long);
  '_min_balance_minor'?: "min_balance_minor";
}

export interface OpenAccountRequest {
  'currency': (string);
  'min_balance_minor'?: (string);
  '_min_balance_minor'?: "min_balance_minor";
}
