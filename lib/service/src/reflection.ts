// Server reflection that grpcurl can follow across files. protobufjs (under
// @grpc/proto-loader) synthesizes one FileDescriptorProto per package — "adder_v1.proto",
// "google_protobuf.proto" — and leaves their `dependency` lists empty, so a client that
// resolves imports by file (grpcurl, Go's protodesc) fails with `"*.google.protobuf.Timestamp"
// not found` (grpc-node#2958, open). It also names map entries after the field ("Statuses")
// where protoc and Go expect "StatusesEntry", which Go rejects as an invalid map. We repair
// both before @grpc/reflection indexes the definition.
import type * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import descriptor from "protobufjs/ext/descriptor/index.js";

interface FieldLike {
  name?: string | null;
  typeName?: string | null;
}
interface MessageLike {
  name?: string | null;
  field?: FieldLike[];
  nestedType?: MessageLike[];
  enumType?: { name?: string | null }[];
  options?: { mapEntry?: boolean | null } | null;
}
interface FileLike {
  name?: string | null;
  package?: string | null;
  dependency: string[];
  messageType?: MessageLike[];
  enumType?: { name?: string | null }[];
  service?: {
    name?: string | null;
    method?: { inputType?: string | null; outputType?: string | null }[];
  }[];
}

const FileDescriptorProto = (
  descriptor as unknown as {
    FileDescriptorProto: {
      decode(bytes: Uint8Array): FileLike;
      encode(file: FileLike): { finish(): Uint8Array };
    };
  }
).FileDescriptorProto;

function definedSymbols(file: FileLike): string[] {
  const prefix = file.package ? `.${file.package}.` : ".";
  const symbols: string[] = [];
  const visit = (scope: string, message: MessageLike) => {
    const name = `${scope}${message.name}`;
    symbols.push(name);
    for (const e of message.enumType ?? []) symbols.push(`${name}.${e.name}`);
    for (const nested of message.nestedType ?? []) visit(`${name}.`, nested);
  };
  for (const m of file.messageType ?? []) visit(prefix, m);
  for (const e of file.enumType ?? []) symbols.push(`${prefix}${e.name}`);
  for (const s of file.service ?? []) symbols.push(`${prefix}${s.name}`);
  return symbols;
}

/** Type references with the scope they appear in (names may be relative to it). */
function referencedTypes(file: FileLike): { ref: string; scope: string }[] {
  const refs: { ref: string; scope: string }[] = [];
  const pkg = file.package ?? "";
  const visit = (scope: string, message: MessageLike) => {
    const inner = scope ? `${scope}.${message.name}` : `${message.name}`;
    for (const f of message.field ?? [])
      if (f.typeName) refs.push({ ref: f.typeName, scope: inner });
    for (const nested of message.nestedType ?? []) visit(inner, nested);
  };
  for (const m of file.messageType ?? []) visit(pkg, m);
  for (const s of file.service ?? []) {
    for (const method of s.method ?? []) {
      for (const ref of [method.inputType, method.outputType])
        if (ref) refs.push({ ref, scope: pkg });
    }
  }
  return refs;
}

/** Resolves a reference like protoc does: absolute if it starts with ".", else scope by scope outward. */
function resolve(ref: string, scope: string, owner: Map<string, string>): string | undefined {
  if (ref.startsWith(".")) return owner.get(ref);
  const parts = scope.split(".").filter(Boolean);
  for (let i = parts.length; i >= 0; i--) {
    const candidate = `.${[...parts.slice(0, i), ref].join(".")}`;
    const file = owner.get(candidate);
    if (file) return file;
  }
  return undefined;
}

/** protoc's name for a map field's entry type: "statuses" -> "StatusesEntry". */
function mapEntryName(field: string): string {
  const camel = field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

function fixMapEntryNames(message: MessageLike): void {
  for (const nested of message.nestedType ?? []) {
    fixMapEntryNames(nested);
    if (!nested.options?.mapEntry) continue;
    const field = (message.field ?? []).find((f) => f.typeName === nested.name);
    if (!field?.name) continue;
    nested.name = mapEntryName(field.name);
    field.typeName = nested.name;
  }
}

/** A copy of `definition` whose file descriptors declare the files they import. */
export function withFileDependencies(
  definition: protoLoader.PackageDefinition,
): protoLoader.PackageDefinition {
  const files = new Map<string, FileLike>();
  for (const entry of Object.values(definition)) {
    for (const bytes of (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos ??
      []) {
      const file = FileDescriptorProto.decode(bytes);
      if (file.name && !files.has(file.name)) files.set(file.name, file);
    }
  }
  for (const file of files.values()) for (const m of file.messageType ?? []) fixMapEntryNames(m);
  const owner = new Map<string, string>();
  for (const [name, file] of files)
    for (const symbol of definedSymbols(file)) owner.set(symbol, name);
  const encoded = new Map<string, Uint8Array>();
  for (const [name, file] of files) {
    const deps = new Set(file.dependency);
    for (const { ref, scope } of referencedTypes(file)) {
      const dep = resolve(ref, scope, owner);
      if (dep && dep !== name) deps.add(dep);
    }
    file.dependency = [...deps];
    encoded.set(name, FileDescriptorProto.encode(file).finish());
  }
  const patched: protoLoader.PackageDefinition = {};
  for (const [key, entry] of Object.entries(definition)) {
    const protos = (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos;
    patched[key] = protos
      ? ({
          ...entry,
          fileDescriptorProtos: protos.map(
            (b) => encoded.get(FileDescriptorProto.decode(b).name ?? "") ?? b,
          ),
        } as typeof entry)
      : entry;
  }
  return patched;
}

/** Reflection for the listed services (and only those), resolvable file by file. */
export function reflectionService(
  definition: protoLoader.PackageDefinition,
  services: string[],
): ReflectionService {
  return new ReflectionService(withFileDependencies(definition), { services });
}
