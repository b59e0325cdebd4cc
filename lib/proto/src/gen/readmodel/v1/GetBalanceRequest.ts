// Original file: readmodel/v1/readmodel.proto


export interface GetBalanceRequest__Input {
  'account_id'?: (string);
}

export interface GetBalanceRequest {
  'account_id': (string);
}
