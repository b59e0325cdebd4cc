// Installs what the infrastructure needs, from each ecosystem's own registry only: Debian
// packages with apt, Go programs from the Go module proxy, Kafka jars from Maven Central.
// Results are cached outside the repo (CACHE_DIR), so only the first run pays.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CACHE_BIN, CACHE_DIR, REPO_ROOT, VERSIONS } from "./config.ts";
import { InfraError } from "./errors.ts";

export function which(bin: string): string | null {
  return Bun.which(bin, { PATH: `${CACHE_BIN}:${process.env.PATH ?? ""}` });
}

function run(
  cmd: string[],
  what: string,
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const proc = Bun.spawnSync(cmd, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (proc.exitCode !== 0) {
    const output = `${proc.stdout.toString()}${proc.stderr.toString()}`.trim().split("\n");
    throw new InfraError(`${what} failed (exit ${proc.exitCode}): ${output.slice(-3).join(" | ")}`);
  }
  return proc.stdout.toString();
}

/** Fails with a one-line reason when a toolchain the project cannot install is missing. */
export function requireToolchain(bin: string, forWhat: string, hint: string): string {
  const path = which(bin);
  if (!path) throw new InfraError(`${bin} not found (needed for ${forWhat}): ${hint}`);
  return path;
}

export function requireJava17(): string {
  const java = requireToolchain(
    "java",
    "the Kafka broker",
    "install a JDK 17+, e.g. apt-get install openjdk-17-jre-headless",
  );
  const version = Bun.spawnSync([java, "-version"], { stderr: "pipe" }).stderr.toString();
  const major = Number(/version "(\d+)/.exec(version)?.[1] ?? 0);
  if (major < 17) throw new InfraError(`Java ${major} found at ${java}; Kafka 4 needs Java 17+`);
  return java;
}

let aptUpdated = false;

/**
 * apt-get installs the Debian packages whose binaries are missing. Services are kept from
 * auto-starting (the prometheus package would otherwise take :9090, the adder's port).
 */
export function ensureAptPackages(wanted: { bin: string; pkg: string }[]): void {
  const missing = wanted.filter(({ bin }) => !which(bin)).map(({ pkg }) => pkg);
  if (missing.length === 0) return;
  const unique = [...new Set(missing)];
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? [] : Bun.which("sudo") ? ["sudo", "-n"] : null;
  if (sudo === null) {
    throw new InfraError(
      `missing Debian packages: run \`sudo apt-get install -y ${unique.join(" ")}\``,
    );
  }
  console.log(`infra: installing Debian packages: ${unique.join(" ")}`);
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = isRoot && !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    if (!aptUpdated) {
      run([...sudo, "apt-get", "update", "-qq"], "apt-get update", { env });
      aptUpdated = true;
    }
    run(
      [...sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", ...unique],
      `apt-get install ${unique.join(" ")}`,
      { env },
    );
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/** Newest PostgreSQL server binaries from Debian (/usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], "bin") : undefined;
}

export function ensurePostgresServer(): string {
  if (!postgresBinDir()) ensureAptPackages([{ bin: "__postgres_server__", pkg: "postgresql" }]);
  const dir = postgresBinDir();
  if (!dir)
    throw new InfraError("PostgreSQL server not found after installing the postgresql package");
  return dir;
}

function linkIntoCacheBin(name: string, target: string): void {
  mkdirSync(CACHE_BIN, { recursive: true });
  const link = join(CACHE_BIN, name);
  rmSync(link, { force: true });
  symlinkSync(target, link);
}

/** `go install module@version` into a versioned cache folder, linked as CACHE_BIN/<name>. */
export function ensureGoTool(name: string, module: string, version: string): string {
  const dir = join(CACHE_DIR, "go", `${name}@${version}`);
  const binary = join(dir, name);
  if (!existsSync(binary)) {
    const go = requireToolchain("go", name, "install Go 1.24+ from https://go.dev/dl");
    console.log(`infra: building ${name} ${version} with go install (first run only)`);
    run([go, "install", `${module}@${version}`], `go install ${module}@${version}`, {
      env: { GOBIN: dir, CGO_ENABLED: "0" },
    });
  }
  linkIntoCacheBin(name, binary);
  return binary;
}

/** `go build` of a main package from one of our wrapper modules (infra/local/<folder>). */
function buildFromWrapperModule(
  name: string,
  version: string,
  folder: string,
  pkg: string,
): string {
  const dir = join(CACHE_DIR, "go", `${name}@${version}`);
  const binary = join(dir, name);
  if (!existsSync(binary)) {
    const go = requireToolchain("go", name, "install Go 1.24+ from https://go.dev/dl");
    console.log(
      `infra: building ${name} ${version} from the Go module proxy (first run only, a few minutes)`,
    );
    mkdirSync(dir, { recursive: true });
    run([go, "build", "-trimpath", "-o", `${binary}.tmp`, pkg], `go build ${pkg}`, {
      cwd: join(REPO_ROOT, "infra/local", folder),
      // go.sum pins every module hash, so the checksum database is not consulted (it does not
      // serve some of these modules through every proxy).
      env: { GOFLAGS: "-mod=readonly", GOSUMDB: "off", CGO_ENABLED: "0" },
    });
    run(["mv", `${binary}.tmp`, binary], `install ${name}`);
  }
  return binary;
}

/**
 * Jaeger is built from infra/local/jaeger (a wrapper module with a committed go.sum) because
 * `go install` refuses Jaeger versions whose go.mod has replace directives.
 */
export function ensureJaeger(): string {
  const binary = buildFromWrapperModule(
    "jaeger",
    VERSIONS.jaeger,
    "jaeger",
    "github.com/jaegertracing/jaeger/cmd/jaeger",
  );
  linkIntoCacheBin("jaeger", binary);
  return binary;
}

/**
 * The Collector this project runs natively, built by the Collector builder (ocb) from
 * infra/otel-collector/builder-config.yaml, both pinned (VERSIONS.otelcol) and cached like
 * Jaeger. The builder itself comes from the Go module proxy.
 */
export function ensureCollector(): string {
  const version = VERSIONS.otelcol;
  const dir = join(CACHE_DIR, "go", `otelcol-obs@${version}`);
  const binary = join(dir, "otelcol-obs");
  if (!existsSync(binary)) {
    const builder = ensureGoTool("builder", "go.opentelemetry.io/collector/cmd/builder", version);
    console.log(
      `infra: building the OpenTelemetry Collector ${version} with ocb (first run only, a few minutes)`,
    );
    const work = `${dir}.build`;
    rmSync(work, { recursive: true, force: true });
    run(
      [
        builder,
        "--config",
        join(REPO_ROOT, "infra/otel-collector/builder-config.yaml"),
        "--output-path",
        work,
      ],
      "ocb build of the Collector",
      // As for Jaeger: go.sum is written by the builder, so the checksum database, which not
      // every proxy serves, is not consulted.
      { env: { GOSUMDB: "off", CGO_ENABLED: "0", GOFLAGS: "-trimpath" } },
    );
    mkdirSync(dir, { recursive: true });
    run(["mv", join(work, "otelcol-obs"), binary], "install otelcol-obs");
    rmSync(work, { recursive: true, force: true });
  }
  linkIntoCacheBin("otelcol-obs", binary);
  return binary;
}

/**
 * A command that runs `docker compose`: the machine's own plugin when it has one, else the
 * plugin built from infra/local/compose and offered to the docker CLI through DOCKER_CONFIG
 * (or run standalone where there is no docker CLI). Used to validate infra/compose.yml.
 */
export function ensureComposePlugin(): { cmd: string[]; env: Record<string, string> } {
  if (
    Bun.which("docker") &&
    Bun.spawnSync(["docker", "compose", "version"], { stdout: "ignore", stderr: "ignore" })
      .exitCode === 0
  ) {
    return { cmd: ["docker", "compose"], env: {} };
  }
  const binary = buildFromWrapperModule(
    "docker-compose",
    VERSIONS.compose,
    "compose",
    "github.com/docker/compose/v2/cmd",
  );
  if (!Bun.which("docker")) return { cmd: [binary], env: {} };
  const dockerConfig = join(CACHE_DIR, "docker");
  const plugins = join(dockerConfig, "cli-plugins");
  mkdirSync(plugins, { recursive: true });
  rmSync(join(plugins, "docker-compose"), { force: true });
  symlinkSync(binary, join(plugins, "docker-compose"));
  return { cmd: ["docker", "compose"], env: { DOCKER_CONFIG: dockerConfig } };
}

/** Kafka broker + tools jars from Maven Central, copied by the Maven dependency plugin. */
export function ensureKafkaJars(): string {
  const libs = join(CACHE_DIR, `kafka-${VERSIONS.kafka}`, "libs");
  const done = join(libs, ".complete");
  if (!existsSync(done)) {
    ensureAptPackages([{ bin: "mvn", pkg: "maven" }]);
    console.log(`infra: fetching Kafka ${VERSIONS.kafka} jars from Maven Central (first run only)`);
    run(
      [
        "mvn",
        "-q",
        "-B",
        "-f",
        join(REPO_ROOT, "infra/local/kafka/pom.xml"),
        `-Dkafka.version=${VERSIONS.kafka}`,
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        `-DoutputDirectory=${libs}`,
      ],
      "mvn dependency:copy-dependencies (Kafka jars)",
    );
    writeFileSync(done, `${new Date().toISOString()}\n`);
  }
  return libs;
}

/** Command-line tools for tests and people: kcat (Debian), grpcurl and ghz (Go). */
export function ensureCliTools(): void {
  ensureAptPackages([{ bin: "kcat", pkg: "kcat" }]);
  ensureGoTool("grpcurl", "github.com/fullstorydev/grpcurl/cmd/grpcurl", VERSIONS.grpcurl);
  ensureGoTool("ghz", "github.com/bojand/ghz/cmd/ghz", VERSIONS.ghz);
}
