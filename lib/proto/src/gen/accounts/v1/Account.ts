// Original file: accounts/v1/accounts.proto

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';
import type { Long } from '@grpc/proto-loader';

export interface Account__Input {
  'account_id'?: (string);
  'currency'?: (string);
  'min_balance_minor'?: (number | string | Long);
  'opened_at'?: (_google_protobuf_Timestamp__Input | null);
  '_min_balance_minor'?: "min_balance_minor";
}

export interface Account {
  'account_id': (string);
  'currency': (string);
  'min_balance_minor'?: (string);
  'opened_at': (_google_protobuf_Timestamp | null);
  '_min_balance_minor'?: "min_balance_minor";
}
