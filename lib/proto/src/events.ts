// Kafka event values: the messages defined in proto/ (SumMessage, EntryPosted, AccountOpened),
// written as JSON so `kcat` shows them as they are, and checked against the proto type on the
// way in and out. A value that is not JSON, or does not fit the type, is a PoisonMessageError,
// which consumers send to the DLQ.
import { join } from "node:path";
import protobuf from "protobufjs";
import { PROTO_ROOT } from "./root.ts";
import { findBadText } from "./text.ts";
import { checkMessage } from "./validate.ts";

export class PoisonMessageError extends Error {
  override name = "PoisonMessageError";
}

export interface EventCodec<T> {
  /** Fully qualified proto type, e.g. "adder.v1.SumMessage". */
  typeName: string;
  contentType: "application/json";
  encode(value: T): Buffer;
  /** Throws PoisonMessageError for anything that is not a valid T. */
  decode(bytes: Buffer | Uint8Array | null): T;
}

// Same shape as @grpc/proto-loader's objects (LOADER_OPTIONS): snake_case, int64 as strings.
const OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
};

let root: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // Imports are relative to proto/; well-known types come with protobufjs.
  r.resolvePath = (_origin, target) =>
    target.startsWith("google/protobuf/") ? target : join(PROTO_ROOT, target);
  r.loadSync(
    [
      "adder/v1/sum_message.proto",
      "ledger/v1/entry_posted.proto",
      "accounts/v1/account_opened.proto",
    ],
    { keepCase: true },
  );
  root = r;
  return r;
}

export function eventCodec<T extends object>(typeName: string): EventCodec<T> {
  const type = loadRoot().lookupType(typeName);
  return {
    typeName,
    contentType: "application/json",
    encode(value) {
      const invalid = checkMessage(type, value);
      if (invalid) throw new TypeError(`${typeName}: ${invalid}`);
      return Buffer.from(JSON.stringify(type.toObject(type.fromObject(value), OBJECT_OPTIONS)));
    },
    decode(bytes) {
      if (bytes === null || bytes.length === 0)
        throw new PoisonMessageError(`${typeName}: empty value`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(bytes).toString("utf8"));
      } catch (error) {
        throw new PoisonMessageError(`${typeName}: not JSON (${(error as Error).message})`);
      }
      const invalid = checkMessage(type, parsed) ?? findBadText(parsed);
      if (invalid) throw new PoisonMessageError(`${typeName}: ${invalid}`);
      return type.toObject(type.fromObject(parsed as Record<string, unknown>), OBJECT_OPTIONS) as T;
    },
  };
}
