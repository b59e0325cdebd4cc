// Original file: totalizer/v1/totalizer.proto

import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';
import type { Long } from '@grpc/proto-loader';

export interface GetTotalResponse__Input {
  'total'?: (number | string | Long);
  'message_count'?: (number | string | Long);
  'updated_at'?: (_google_protobuf_Timestamp__Input | null);
}

export interface GetTotalResponse {
  'total': (string);
  'message_count': (string);
  'updated_at': (_google_protobuf_Timestamp | null);
}
