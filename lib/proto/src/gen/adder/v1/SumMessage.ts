// Original file: adder/v1/sum_message.proto

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';
import type { Long } from '@grpc/proto-loader';

export interface SumMessage__Input {
  'sum'?: (number | string | Long);
  'produced_at'?: (_google_protobuf_Timestamp__Input | null);
  'trace_id'?: (string);
  'span_id'?: (string);
  'message_id'?: (string);
}

export interface SumMessage {
  'sum': (string);
  'produced_at': (_google_protobuf_Timestamp | null);
  'trace_id': (string);
  'span_id': (string);
  'message_id': (string);
}
