// Original file: ledger/v1/ledger.proto

import type { Line__Input as _ledger_v1_Line__Input, Line as _ledger_v1_Line } from '../../ledger/v1/Line.ts';

export interface PostEntryRequest__Input {
  'entry_id'?: (string);
  'lines'?: (_ledger_v1_Line__Input)[];
  'description'?: (string);
}

export interface PostEntryRequest {
  'entry_id': (string);
  'lines': (_ledger_v1_Line)[];
  'description': (string);
}
