// Original file: readmodel/v1/readmodel.proto

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';
import type { Long } from '@grpc/proto-loader';

export interface Balance__Input {
  'account_id'?: (string);
  'currency'?: (string);
  'balance_minor'?: (number | string | Long);
  'updated_at'?: (_google_protobuf_Timestamp__Input | null);
}

export interface Balance {
  'account_id': (string);
  'currency': (string);
  'balance_minor': (string);
  'updated_at': (_google_protobuf_Timestamp | null);
}
