// Original file: readmodel/v1/readmodel.proto

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';
import type { Long } from '@grpc/proto-loader';

export interface StatementLine__Input {
  'entry_id'?: (string);
  'account_id'?: (string);
  'currency'?: (string);
  'amount_minor'?: (number | string | Long);
  'balance_after_minor'?: (number | string | Long);
  'description'?: (string);
  'posted_at'?: (_google_protobuf_Timestamp__Input | null);
}

export interface StatementLine {
  'entry_id': (string);
  'account_id': (string);
  'currency': (string);
  'amount_minor': (string);
  'balance_after_minor': (string);
  'description': (string);
  'posted_at': (_google_protobuf_Timestamp | null);
}
