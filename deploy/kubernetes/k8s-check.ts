// bun run k8s:check [dir…]: renders the kustomize base and every overlay and validates each
// object against the Kubernetes API's Go types plus cross-object rules (./check, a Go
// program using kustomize's and Kubernetes' own libraries). The program is built once from
// the Go module proxy into the cache, keyed by its sources, so later runs take a second.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join, relative } from "node:path";
import { CACHE_DIR } from "../../infra/local/config.ts";

export const KUBERNETES_DIR = import.meta.dir;
const SOURCE_DIR = join(KUBERNETES_DIR, "check");

/** A hash of go.mod, go.sum and the Go files: a changed pin or check means a new build. */
function sourceHash(): string {
  const hasher = new Bun.CryptoHasher("sha256");
  const files = readdirSync(SOURCE_DIR)
    .filter((f) => f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
    .sort();
  for (const file of files) {
    hasher.update(file);
    hasher.update(readFileSync(join(SOURCE_DIR, file)));
  }
  return hasher.digest("hex").slice(0, 12);
}

/** The checker binary, built first if this version of its sources has not been. */
export function ensureChecker(log: (line: string) => void = console.error): string {
  const dir = join(CACHE_DIR, "go", `k8s-check@${sourceHash()}`);
  const binary = join(dir, "k8s-check");
  if (existsSync(binary)) return binary;
  const go = Bun.which("go");
  if (!go) throw new Error("k8s:check: go not found: install Go (see README, Quick start)");
  log("k8s:check: building the checker from the Go module proxy (first run only, ~2 minutes)");
  mkdirSync(dir, { recursive: true });
  // A per-process name, renamed into place: two first runs at once do not clobber each other.
  const partial = `${binary}.${process.pid}.tmp`;
  const build = Bun.spawnSync([go, "build", "-trimpath", "-o", partial, "."], {
    cwd: SOURCE_DIR,
    env: {
      ...process.env,
      // go.sum pins every module hash, as for infra/local's Go builds.
      GOFLAGS: "-mod=readonly -buildvcs=false",
      GOSUMDB: "off",
      CGO_ENABLED: "0",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) {
    throw new Error(`k8s:check: go build failed: ${build.stderr.toString().trim()}`);
  }
  renameSync(partial, binary);
  return binary;
}

/** The base and every overlay (each folder of overlays/ with a kustomization). */
export function kustomizations(root = KUBERNETES_DIR): string[] {
  const overlays = join(root, "overlays");
  const names = existsSync(overlays) ? readdirSync(overlays).sort() : [];
  return [
    join(root, "base"),
    ...names
      .map((name) => join(overlays, name))
      .filter((dir) => existsSync(join(dir, "kustomization.yaml"))),
  ];
}

export interface CheckResult {
  code: number;
  output: string;
}

/** Runs the checker on kustomization folders; `render` also writes the last one's YAML. */
export function runChecker(
  binary: string,
  dirs: string[],
  options: { render?: string } = {},
): CheckResult {
  const flags = options.render ? ["-o", options.render] : [];
  const proc = Bun.spawnSync([binary, ...flags, ...dirs], { stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? -1, output: `${proc.stdout}${proc.stderr}` };
}

if (import.meta.main) {
  const started = performance.now();
  const args = process.argv.slice(2);
  const binary = ensureChecker();
  const dirs = args.length > 0 ? args : kustomizations().map((dir) => relative(process.cwd(), dir));
  const proc = Bun.spawnSync([binary, ...dirs], {
    stdout: "inherit",
    stderr: "inherit",
  });
  const took = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`k8s:check: ${proc.exitCode === 0 ? "all valid" : "INVALID objects"} (${took} s)`);
  process.exit(proc.exitCode ?? 1);
}
