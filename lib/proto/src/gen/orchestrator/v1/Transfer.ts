// Original file: orchestrator/v1/orchestrator.proto

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';
import type { Long } from '@grpc/proto-loader';

export interface Transfer__Input {
  'transfer_id'?: (string);
  'from_account_id'?: (string);
  'to_account_id'?: (string);
  'amount_minor'?: (number | string | Long);
  'currency'?: (string);
  'idempotency_key'?: (string);
  'entry_id'?: (string);
  'created_at'?: (_google_protobuf_Timestamp__Input | null);
}

export interface Transfer {
  'transfer_id': (string);
  'from_account_id': (string);
  'to_account_id': (string);
  'amount_minor': (string);
  'currency': (string);
  'idempotency_key': (string);
  'entry_id': (string);
  'created_at': (_google_protobuf_Timestamp | null);
}
