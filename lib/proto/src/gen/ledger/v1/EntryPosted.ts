// Original file: ledger/v1/entry_posted.proto

import type { Entry__Input as _ledger_v1_Entry__Input, Entry as _ledger_v1_Entry } from '../../ledger/v1/Entry.ts';
import type { AccountBalance__Input as _ledger_v1_AccountBalance__Input, AccountBalance as _ledger_v1_AccountBalance } from '../../ledger/v1/AccountBalance.ts';
import type { Timestamp__Input as _google_protobuf_Timestamp__Input, Timestamp as _google_protobuf_Timestamp } from '../../google/protobuf/Timestamp.ts';

export interface EntryPosted__Input {
  'event_id'?: (string);
  'schema_version'?: (number);
  'entry'?: (_ledger_v1_Entry__Input | null);
  'balances_after'?: (_ledger_v1_AccountBalance__Input)[];
  'occurred_at'?: (_google_protobuf_Timestamp__Input | null);
}

export interface EntryPosted {
  'event_id': (string);
  'schema_version': (number);
  'entry': (_ledger_v1_Entry | null);
  'balances_after': (_ledger_v1_AccountBalance)[];
  'occurred_at': (_google_protobuf_Timestamp | null);
}
