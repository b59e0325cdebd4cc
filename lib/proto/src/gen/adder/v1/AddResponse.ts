// Original file: adder/v1/adder.proto

import type { Long } from '@grpc/proto-loader';

export interface AddResponse__Input {
  'sum'?: (number | string | Long);
}

export interface AddResponse {
  'sum': (string);
}
