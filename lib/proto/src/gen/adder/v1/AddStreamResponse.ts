// Original file: adder/v1/adder.proto

import type { Long } from '@grpc/proto-loader';

export interface AddStreamResponse__Input {
  'count'?: (number | string | Long);
  'total'?: (number | string | Long);
}

export interface AddStreamResponse {
  'count': (string);
  'total': (string);
}
