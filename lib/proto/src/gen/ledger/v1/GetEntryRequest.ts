// Original file: ledger/v1/ledger.proto


export interface GetEntryRequest__Input {
  'entry_id'?: (string);
}

export interface GetEntryRequest {
  'entry_id': (string);
}
