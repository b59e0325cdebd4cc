import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ProtoGrpcType as AccountOpenedGrpc } from "./gen/account_opened.ts";
import type { ProtoGrpcType as AccountsGrpc } from "./gen/accounts.ts";
import type { ProtoGrpcType as AdderGrpc } from "./gen/adder.ts";
import type { ProtoGrpcType as EntryPostedGrpc } from "./gen/entry_posted.ts";
import type { ProtoGrpcType as LedgerGrpc } from "./gen/ledger.ts";
import type { ProtoGrpcType as OrchestratorGrpc } from "./gen/orchestrator.ts";
import type { ProtoGrpcType as ReadModelGrpc } from "./gen/readmodel.ts";
import type { ProtoGrpcType as SumMessageGrpc } from "./gen/sum_message.ts";
import type { ProtoGrpcType as TotalizerGrpc } from "./gen/totalizer.ts";
import { LOADER_OPTIONS } from "./options.ts";
import { PROTO_ROOT } from "./root.ts";

export { type EventCodec, eventCodec, PoisonMessageError } from "./events.ts";
export { LOADER_OPTIONS } from "./options.ts";
export { findBadText, textProblem } from "./text.ts";
export { dlqTopic, TOPICS } from "./topics.ts";
export {
  CURRENCIES,
  epochMsOf,
  INT64_MAX,
  INT64_MIN,
  isCurrency,
  isInt64,
  parseDecimal,
  type Timestamp,
  timestampOf,
  UINT64_MAX,
} from "./wire.ts";

export { PROTO_ROOT };

/** Every service and event definition, grouped by the service that owns them. */
export const PROTO_FILES = {
  adder: ["adder/v1/adder.proto", "adder/v1/sum_message.proto"],
  totalizer: ["totalizer/v1/totalizer.proto"],
  accounts: ["accounts/v1/accounts.proto", "accounts/v1/account_opened.proto"],
  ledger: ["ledger/v1/ledger.proto", "ledger/v1/entry_posted.proto"],
  readmodel: ["readmodel/v1/readmodel.proto"],
  orchestrator: ["orchestrator/v1/orchestrator.proto"],
} as const;

export type ProtoName = keyof typeof PROTO_FILES;

interface Loaded {
  adder: AdderGrpc & SumMessageGrpc;
  totalizer: TotalizerGrpc;
  accounts: AccountsGrpc & AccountOpenedGrpc;
  ledger: LedgerGrpc & EntryPostedGrpc;
  readmodel: ReadModelGrpc;
  orchestrator: OrchestratorGrpc;
}

/**
 * Loads one proto group. The package definition is returned too: the reflection service
 * needs it to answer `grpcurl list/describe`.
 */
export function loadProto<N extends ProtoName>(
  name: N,
): { definition: protoLoader.PackageDefinition; grpc: Loaded[N] } {
  const definition = protoLoader.loadSync([...PROTO_FILES[name]], {
    ...LOADER_OPTIONS,
    includeDirs: [PROTO_ROOT],
  });
  return { definition, grpc: grpc.loadPackageDefinition(definition) as unknown as Loaded[N] };
}
