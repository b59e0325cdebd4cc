// A Python with matplotlib for the plots: a venv in the cache, made once from PyPI with the
// pinned requirements (no JavaScript library renders comparable PNG charts without a native
// canvas build; matplotlib ships wheels and its own fonts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CACHE_DIR } from "../../infra/local/config.ts";
import { ensureAptPackages } from "../../infra/local/install.ts";

const REQUIREMENTS = join(import.meta.dir, "requirements.txt");

function run(cmd: string[], what: string): void {
  const proc = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) {
    const output = `${proc.stdout}${proc.stderr}`.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`${what} failed (exit ${proc.exitCode}): ${output}`);
  }
}

/** Path of the venv's python, creating the venv (and python3-venv, on Debian) when missing. */
export async function ensurePlotPython(): Promise<string> {
  const requirements = await Bun.file(REQUIREMENTS).text();
  // A new pin gets a new venv rather than an upgrade in place.
  const tag = Bun.hash(requirements).toString(36);
  const venv = join(CACHE_DIR, `bench-python-${tag}`);
  const python = join(venv, "bin", "python");
  if (existsSync(join(venv, ".complete"))) return python;
  if (!Bun.which("python3")) ensureAptPackages([{ bin: "python3", pkg: "python3" }]);
  const probe = Bun.spawnSync(["python3", "-c", "import ensurepip, venv"], { stderr: "pipe" });
  if (probe.exitCode !== 0) ensureAptPackages([{ bin: "__python3-venv__", pkg: "python3-venv" }]); // no binary to probe: the import above decided
  console.error(`bench: creating ${venv} (matplotlib from PyPI)`);
  run(["python3", "-m", "venv", "--clear", venv], "python3 -m venv");
  run([python, "-m", "pip", "install", "-q", "-r", REQUIREMENTS], "pip install matplotlib");
  await Bun.write(join(venv, ".complete"), requirements);
  return python;
}
