// Original file: ledger/v1/ledger.proto

import type { Line__Input as _ledger_v1_Line__Input, Line as _ledger_v1_Line } from '../../ledger/v1/Line.ts';
import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';

export interface Entry__Input {
  'entry_id'?: (string);
  'lines'?: (_ledger_v1_Line__Input)[];
  'description'?: (string);
  'posted_at'?: (_google_protobuf_Timestamp__Input | null);
}

export interface Entry {
  'entry_id': (string);
  'lines': (_ledger_v1_Line)[];
  'description': (string);
  'posted_at': (_google_protobuf_Timestamp | null);
}
