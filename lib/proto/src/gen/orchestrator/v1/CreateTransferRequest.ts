// Original file: orchestrator/v1/orchestrator.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateTransferRequest__Input {
  'from_account_id'?: (string);
  'to_account_id'?: (string);
  'amount_minor'?: (number | string | Long);
  'currency'?: (string);
  'idempotency_key'?: (string);
}

export interface CreateTransferRequest {
  'from_account_id': (string);
  'to_account_id': (string);
  'amount_minor': (string);
  'currency': (string);
  'idempotency_key': (string);
}
