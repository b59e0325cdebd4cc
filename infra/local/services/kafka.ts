// Apache Kafka as a single KRaft broker+controller on the machine's Java 17, from the jars
// Maven Central serves (no tarball, no Docker). Config: infra/kafka/server.properties with
// ports and data dir overridden for this machine.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENDPOINTS, PORTS, REPO_ROOT, STATE_DIR } from "../config.ts";
import { InfraError } from "../errors.ts";
import { ensureAptPackages, ensureKafkaJars, requireJava17, which } from "../install.ts";
import { startDetached } from "../process.ts";
import type { Service } from "../service.ts";

const home = join(STATE_DIR, "kafka");
const dataDir = join(home, "data");
const propertiesFile = join(home, "server.properties");
// Any fixed base64 UUID will do for a throwaway single-node cluster.
const CLUSTER_ID = "4L6g3nShT-eMCtK--X86sw";

let java = "";
let libs = "";

/** infra/kafka/server.properties with this machine's ports and data dir. */
export function renderServerProperties(): string {
  const overrides: Record<string, string> = {
    "controller.quorum.voters": `1@127.0.0.1:${PORTS.kafkaController}`,
    listeners: `PLAINTEXT://127.0.0.1:${PORTS.kafka},CONTROLLER://127.0.0.1:${PORTS.kafkaController}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${PORTS.kafka}`,
    "log.dirs": dataDir,
  };
  const base = readFileSync(join(REPO_ROOT, "infra/kafka/server.properties"), "utf8");
  return base
    .split("\n")
    .map((line) => {
      const key = line.split("=", 1)[0]?.trim() ?? "";
      return !line.startsWith("#") && key in overrides ? `${key}=${overrides[key]}` : line;
    })
    .join("\n");
}

function javaCommand(mainClass: string, args: string[], heap = "-Xmx1g"): string[] {
  return [
    java,
    "-Xms256m",
    heap,
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${join(REPO_ROOT, "infra/kafka/log4j2.properties")}`,
    "-cp",
    `${libs}/*`,
    mainClass,
    ...args,
  ];
}

export const kafka: Service = {
  name: "kafka",
  readyTimeoutSeconds: 90,
  describe: () => ENDPOINTS.kafkaBrokers,
  ports: () => [PORTS.kafka, PORTS.kafkaController],

  // Ready means the broker answers a metadata request, not merely that the port is open.
  async ready() {
    const kcat = which("kcat");
    if (!kcat) return false;
    const proc = Bun.spawn([kcat, "-L", "-b", ENDPOINTS.kafkaBrokers, "-m", "2"], {
      stdout: "pipe",
      stderr: "ignore",
    });
    const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    return code === 0 && out.includes("1 brokers");
  },

  async prepare() {
    java = requireJava17();
    ensureAptPackages([{ bin: "kcat", pkg: "kcat" }]);
    libs = ensureKafkaJars();
  },

  async start() {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(propertiesFile, renderServerProperties());
    if (!existsSync(join(dataDir, "meta.properties"))) {
      const format = Bun.spawnSync(
        javaCommand(
          "kafka.tools.StorageTool",
          ["format", "-t", CLUSTER_ID, "-c", propertiesFile],
          "-Xmx256m",
        ),
        { stdout: "pipe", stderr: "pipe" },
      );
      if (format.exitCode !== 0) {
        throw new InfraError(
          `kafka storage format failed: ${format.stderr.toString().trim().split("\n").slice(-2).join(" | ")}`,
        );
      }
    }
    return startDetached("kafka", javaCommand("kafka.Kafka", [propertiesFile]));
  },
};
