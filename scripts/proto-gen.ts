// Regenerates lib/proto/src/gen from proto/ with proto-loader-gen-types, using the same
// loader options as the runtime (lib/proto/src/options.ts). `--check` writes into a
// temporary folder and fails when the committed types are stale.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOADER_OPTIONS, PROTO_FILES, PROTO_ROOT } from "../lib/proto/src/index.ts";

const repo = join(import.meta.dir, "..");
const committed = join(repo, "lib/proto/src/gen");
const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "proto-gen-")) : committed;

const bin = join(repo, "lib/proto/node_modules/.bin/proto-loader-gen-types");
// One run over every file: the generator names each top-level module after its .proto file,
// so file names are unique across packages (sum_message.proto, not events.proto).
{
  const args = [
    bin,
    "--keepCase",
    `--longs=${LOADER_OPTIONS.longs.name}`,
    `--enums=${LOADER_OPTIONS.enums.name}`,
    "--defaults",
    "--oneofs",
    "--grpcLib=@grpc/grpc-js",
    "--targetFileExtension=.ts",
    "--importFileExtension=.ts",
    "--inputTemplate=%s__Input",
    "--outputTemplate=%s",
    "--includeDirs=.",
    `--outDir=${out}`,
    ...Object.values(PROTO_FILES).flat(),
  ];
  const proc = Bun.spawnSync(["node", ...args], { cwd: PROTO_ROOT, stderr: "inherit" });
  if (proc.exitCode !== 0) throw new Error("proto-loader-gen-types failed");
}

if (check) {
  const diff = Bun.spawnSync(["diff", "-r", committed, out], { stdout: "pipe" });
  rmSync(out, { recursive: true, force: true });
  if (diff.exitCode !== 0) {
    process.stdout.write(diff.stdout);
    console.error("lib/proto/src/gen is stale: run `bun run proto:gen`");
    process.exit(1);
  }
}
