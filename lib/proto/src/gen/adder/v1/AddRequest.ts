// Original file: adder/v1/adder.proto

import type { Long } from '@grpc/proto-loader';

export interface AddRequest__Input {
  'a'?: (number | string | Long);
  'b'?: (number | string | Long);
  '_a'?: "a";
  '_b'?: "b";
}

export interface AddRequest {
  'a'?: (string);
  'b'?: (string);
  '_a'?: "a";
  '_b'?: "b";
}
