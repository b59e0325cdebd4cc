// Original file: accounts/v1/accounts.proto


export interface GetAccountRequest__Input {
  'account_id'?: (string);
}

export interface GetAccountRequest {
  'account_id': (string);
}
