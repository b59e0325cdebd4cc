// A three-node KRaft cluster of a test's own, started as `KAFKA_CLUSTER_SIZE=3 bun run
// infra:up kafka` starts one but on ports and in a state dir of its own, so the single broker
// on 19092 (of this or another checkout) and other tests' clusters are left alone. Used by the
// tests that kill and restart its nodes: which node to kill, when it is back.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture } from "../../infra/local/process.ts";
import { kafkaTool } from "../../infra/local/services/kafka.ts";
import {
  kafkaMetadata,
  type PartitionMetadata,
} from "../../infra/local/services/kafka-metadata.ts";

const repo = join(import.meta.dir, "..", "..");

export interface TestCluster {
  /** Node ids with their broker ports: BASE_PORT, +2, +4; each controller one above. */
  nodes: { id: number; port: number }[];
  /** host:port of every broker, for createKafka and KAFKA_BROKERS (joined). */
  brokers: string[];
  /** The same, comma-separated: what kcat and KAFKA_BROKERS take. */
  bootstrap: string;
  stateDir: string;
  /** The infra CLI on the cluster's settings; async, so load keeps running meanwhile. */
  cli(...args: string[]): Promise<string>;
  /** The pid of node `id` as its pid file records it. */
  pidOf(id: number): number;
  /** Stops every node (even after a failed test) and removes the state dir. */
  stop(): Promise<void>;
}

/**
 * The cluster on `basePort`…`basePort + 5` (keep it below 32768, Linux's ephemeral range, or
 * a client socket may take a stopped node's port). Nothing starts until `cli("up", "kafka")`.
 * Whatever happens to the test, its JVMs do not outlive the test process: anything still
 * recorded is SIGKILLed when it exits.
 */
export function testCluster(basePort: number, name: string): TestCluster {
  const stateDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const nodes = [1, 2, 3].map((id) => ({ id, port: basePort + 2 * (id - 1) }));
  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`);
  const env: Record<string, string | undefined> = {
    ...process.env,
    OBS_STATE_DIR: stateDir,
    OBS_INFRA: "native",
    KAFKA_CLUSTER_SIZE: "3",
    KAFKA_PORT: String(basePort),
    KAFKA_CONTROLLER_PORT: String(basePort + 1),
    KAFKA_BROKERS: undefined,
  };

  /** Pids recorded in the cluster's state dir: what it started, and nothing else. */
  const recordedPids = (): number[] => {
    const dir = join(stateDir, "run");
    try {
      return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")).pid);
    } catch {
      return [];
    }
  };
  process.once("exit", () => {
    for (const pid of recordedPids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  });

  async function cli(...args: string[]): Promise<string> {
    const {
      code,
      stdout: out,
      stderr: err,
    } = await capture([process.execPath, "infra/local/cli.ts", ...args], { cwd: repo, env });
    if (code !== 0) throw new Error(`infra ${args.join(" ")} exited ${code}: ${err}${out}`);
    return out;
  }

  return {
    nodes,
    brokers,
    bootstrap: brokers.join(","),
    stateDir,
    cli,
    pidOf: (id) =>
      JSON.parse(readFileSync(join(stateDir, "run", `kafka-${id}.json`), "utf8")).pid as number,
    async stop() {
      await cli("down", "kafka").catch((error) => console.error(`${name}: down failed: ${error}`));
      if (!process.env.KEEP_CLUSTER_STATE) rmSync(stateDir, { recursive: true, force: true });
      else console.log(`${name}: state kept in ${stateDir}`);
    },
  };
}

/** The controller quorum as MetadataQuorumCommand describes it: its voters and its leader. */
export async function quorum(bootstrap: string): Promise<{ voters: number[]; leader: number }> {
  const text = await kafkaTool("org.apache.kafka.tools.MetadataQuorumCommand", [
    "--bootstrap-server",
    bootstrap,
    "describe",
    "--status",
  ]);
  const voters = /CurrentVoters:\s+(.*)/.exec(text)?.[1] ?? "";
  return {
    voters: [...voters.matchAll(/"id": (\d+)/g)].map((m) => Number(m[1])).sort(),
    leader: Number(/LeaderId:\s+(-?\d+)/.exec(text)?.[1] ?? -1),
  };
}

/** The partitions of `topics` as the cluster's metadata lists them now. */
export async function partitionsOf(
  bootstrap: string,
  topics: readonly string[],
): Promise<PartitionMetadata[]> {
  const all = await Promise.all(
    topics.map(async (topic) => (await kafkaMetadata(bootstrap, { topic }))?.partitions ?? []),
  );
  return all.flat();
}

/**
 * The node leading the most of `partitions`; on a tie the active controller, if it is one of
 * them, so that the quorum has to elect a new leader too (the harder case).
 */
export function busiestLeader(
  partitions: readonly PartitionMetadata[],
  nodeIds: readonly number[],
  controller: number,
): { id: number; leads: number } {
  const leads = (id: number) => partitions.filter((p) => p.leader === id).length;
  const most = Math.max(...nodeIds.map(leads));
  const id =
    leads(controller) === most
      ? controller
      : (nodeIds.find((n) => leads(n) === most) ?? nodeIds[0] ?? 1);
  return { id, leads: leads(id) };
}
