// Chooses the adapter at start-up, the first that loads of: librdkafka through bun:ffi (Bun),
// the confluent addon (Node.js), platformatic (pure TypeScript, anywhere). KAFKA_CLIENT
// overrides, then config.adapter; an adapter asked for by name that cannot load is an error.
import { createClient } from "./client.ts";
import { loadConfluent } from "./confluent/load.ts";
import type { Driver } from "./driver.ts";
import { loadLibrdkafka } from "./librdkafka/library.ts";
import { consoleLogger } from "./logger.ts";
import type { AdapterName, Kafka, KafkaConfig } from "./port.ts";

const ADAPTERS: readonly AdapterName[] = ["librdkafka", "confluent", "platformatic"];

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
  const ffi = loadLibrdkafka(env);
  if (ffi.ok) {
    const { version, path } = ffi.library;
    return { adapter: "librdkafka", reason: `librdkafka ${version} loaded from ${path}` };
  }
  const addon = loadConfluent();
  if (addon.ok) {
    return { adapter: "confluent", reason: `librdkafka addon loaded from ${addon.from}` };
  }
  return {
    adapter: "platformatic",
    reason: `librdkafka unavailable: no C library (${ffi.reason}); no addon (${addon.reason})`,
  };
}

async function driverFor(adapter: AdapterName, config: KafkaConfig): Promise<Driver> {
  const driverConfig = {
    brokers: config.brokers,
    clientId: config.clientId,
    logger: config.logger ?? consoleLogger,
    librdkafka: config.librdkafka,
  };
  if (adapter === "librdkafka") {
    const loaded = loadLibrdkafka();
    if (!loaded.ok) {
      throw new Error(
        `the librdkafka adapter was chosen but librdkafka does not load: ${loaded.reason}`,
      );
    }
    // Imported lazily: it needs bun:ffi, which Node.js does not have.
    const { createLibrdkafkaDriver } = await import("./adapters/librdkafka.ts");
    return createLibrdkafkaDriver(loaded.library, driverConfig);
  }
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
  const driver = await driverFor(choice.adapter, config);
  logger.info("kafka client selected", {
    adapter: choice.adapter,
    producer: driver.libraries.producer,
    consumer: driver.libraries.consumer,
    reason: choice.reason,
    runtime: typeof Bun === "undefined" ? `node ${process.version}` : `bun ${Bun.version}`,
  });
  return createClient(driver, { clientId: config.clientId, logger, hooks: config.hooks });
}
