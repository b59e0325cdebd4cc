// What every benchmark records beside its figures: when, on which Bun, and the exact command.
import { mkdir } from "node:fs/promises";
import { dirname, relative } from "node:path";

/** `bun bench/x.ts --flag …` as typed, relative to the working directory. */
export function commandLine(argv: string[] = process.argv): string {
  const script = argv[1] ? relative(process.cwd(), argv[1]) : "";
  return ["bun", script, ...argv.slice(2)].join(" ");
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await Bun.write(path, `${JSON.stringify(value, null, 2)}\n`);
}
