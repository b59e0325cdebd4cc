// What the brokers say about themselves, read with kcat (one metadata request, no JVM to
// start): which brokers are registered and, per partition, its leader, replicas and ISR. The
// launcher's readiness checks and the cluster tests read it the same way.
import { which } from "../install.ts";

export interface PartitionMetadata {
  topic: string;
  partition: number;
  /** -1 while the partition has no leader. */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface KafkaMetadata {
  /** node ids of the brokers the cluster lists: registered and not fenced. */
  brokers: number[];
  partitions: PartitionMetadata[];
}

const ids = (list: string) =>
  list
    .split(",")
    .filter((id) => id.trim() !== "")
    .map(Number);

/** Parses `kcat -L`'s text. */
export function parseKcatMetadata(text: string): KafkaMetadata {
  const brokers = [...text.matchAll(/^\s+broker (\d+) at /gm)].map((m) => Number(m[1]));
  const partitions: PartitionMetadata[] = [];
  let topic = "";
  for (const line of text.split("\n")) {
    const named = /^\s+topic "([^"]+)"/.exec(line);
    if (named?.[1]) topic = named[1];
    const p = /^\s+partition (\d+), leader (-?\d+), replicas: ([\d,]*), isrs: ([\d,]*)/.exec(line);
    if (p) {
      partitions.push({
        topic,
        partition: Number(p[1]),
        leader: Number(p[2]),
        replicas: ids(p[3] ?? ""),
        isr: ids(p[4] ?? ""),
      });
    }
  }
  return { brokers, partitions };
}

/**
 * The metadata as `bootstrap` (host:port, comma-separated) answers it within `timeoutMs`, for
 * `topic` or all topics; undefined when no broker answers.
 */
export async function kafkaMetadata(
  bootstrap: string,
  { topic, timeoutMs = 2000 }: { topic?: string; timeoutMs?: number } = {},
): Promise<KafkaMetadata | undefined> {
  const kcat = which("kcat");
  if (!kcat) return undefined;
  // A metadata request names topics to look at, never to create (brokers auto-create on it).
  const args = [kcat, "-L", "-b", bootstrap, "-X", "allow.auto.create.topics=false"];
  args.push("-m", String(Math.ceil(timeoutMs / 1000)));
  const proc = Bun.spawn(topic ? [...args, "-t", topic] : args, {
    stdout: "pipe",
    stderr: "ignore",
  });
  const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  return code === 0 ? parseKcatMetadata(out) : undefined;
}
