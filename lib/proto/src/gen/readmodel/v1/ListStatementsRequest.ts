// Original file: readmodel/v1/readmodel.proto


export interface ListStatementsRequest__Input {
  'account_id'?: (string);
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface ListStatementsRequest {
  'account_id': (string);
  'page_size': (number);
  'page_token': (string);
}
