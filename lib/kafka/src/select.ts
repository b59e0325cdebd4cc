// Chooses the adapter at start-up: confluent (librdkafka) wherever its native addon loads,
// platformatic (pure TypeScript) otherwise. KAFKA_CLIENT overrides, then config.adapter.
import { createClient } from "./client.ts";
import { loadConfluent } from "./confluent/load.ts";
import type { Driver } from "./driver.ts";
import { consoleLogger } from "./logger.ts";
import type { AdapterName, Kafka, KafkaConfig } from "./port.ts";

const ADAPTERS: readonly AdapterName[] = ["confluent", "platformatic"];

export interface AdapterChoice {
  adapter: AdapterName;
  reason: string;
}

function isAdapter(value: string): value is AdapterName {
  return (ADAPTERS as readonly string[]).includes(value);
}

export function chooseAdapter(
  requested: AdapterName | undefined,
  env: Record<string, string | undefined> = process.env,
): AdapterChoice {
  const fromEnv = env.KAFKA_CLIENT?.trim();
  if (fromEnv) {
    if (!isAdapter(fromEnv)) {
      throw new Error(`KAFKA_CLIENT=${fromEnv} is not one of ${ADAPTERS.join(", ")}`);
    }
    return { adapter: fromEnv, reason: `KAFKA_CLIENT=${fromEnv}` };
  }
  if (requested) return { adapter: requested, reason: "requested in config" };
  const loaded = loadConfluent();
  return loaded.ok
    ? { adapter: "confluent", reason: `librdkafka addon loaded from ${loaded.from}` }
    : { adapter: "platformatic", reason: `librdkafka addon unavailable (${loaded.reason})` };
}

async function driverFor(adapter: AdapterName, config: KafkaConfig): Promise<Driver> {
  const driverConfig = {
    brokers: config.brokers,
    clientId: config.clientId,
    logger: config.logger ?? consoleLogger,
  };
  if (adapter === "confluent") {
    const loaded = loadConfluent();
    if (!loaded.ok) {
      throw new Error(
        `the confluent adapter was chosen but its addon does not load: ${loaded.reason}`,
      );
    }
    const { createConfluentDriver } = await import("./adapters/confluent.ts");
    return createConfluentDriver(loaded.module, driverConfig);
  }
  // Imported lazily so a Node.js process running the confluent adapter never loads it.
  const { createPlatformaticDriver } = await import("./adapters/platformatic.ts");
  return createPlatformaticDriver(driverConfig);
}

/** Creates the Kafka port for this process; connections open lazily, per client. */
export async function createKafka(config: KafkaConfig): Promise<Kafka> {
  const logger = config.logger ?? consoleLogger;
  const choice = chooseAdapter(config.adapter);
  logger.info("kafka client selected", {
    adapter: choice.adapter,
    reason: choice.reason,
    runtime: typeof Bun === "undefined" ? `node ${process.version}` : `bun ${Bun.version}`,
  });
  const driver = await driverFor(choice.adapter, config);
  return createClient(driver, { clientId: config.clientId, logger, hooks: config.hooks });
}
