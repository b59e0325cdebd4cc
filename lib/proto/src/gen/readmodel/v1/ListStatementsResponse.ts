// Original file: readmodel/v1/readmodel.proto

import type { StatementLine__Input as _readmodel_v1_StatementLine__Input, StatementLine as _readmodel_v1_StatementLine } from '../../readmodel/v1/StatementLine.ts';

export interface ListStatementsResponse__Input {
  'lines'?: (_readmodel_v1_StatementLine__Input)[];
  'next_page_token'?: (string);
}

export interface ListStatementsResponse {
  'lines': (_readmodel_v1_StatementLine)[];
  'next_page_token': (string);
}
