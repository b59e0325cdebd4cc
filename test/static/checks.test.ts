// The repository's own gates as tests, so CI's one command covers them: strict TypeScript,
// Biome lint/format, generated proto types in sync with proto/.
import { expect, test } from "bun:test";
import { join } from "node:path";

const repo = join(import.meta.dir, "..", "..");

function run(cmd: string[]): { code: number; output: string } {
  const proc = Bun.spawnSync(cmd, { cwd: repo, stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? -1, output: `${proc.stdout}${proc.stderr}` };
}

test("tsc --noEmit is clean", () => {
  const { code, output } = run([join(repo, "node_modules/.bin/tsc"), "--noEmit", "-p", "."]);
  expect(output).toBe("");
  expect(code).toBe(0);
}, 180_000);

test("biome finds no lint or format problem", () => {
  const { code, output } = run([
    join(repo, "node_modules/.bin/biome"),
    "ci",
    "--reporter=summary",
    ".",
  ]);
  if (code !== 0) console.error(output);
  expect(code).toBe(0);
}, 60_000);

test("generated proto types match proto/", () => {
  const { code, output } = run(["bun", "scripts/proto-gen.ts", "--check"]);
  if (code !== 0) console.error(output);
  expect(code).toBe(0);
}, 60_000);
