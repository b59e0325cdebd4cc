// An app's Kafka client: the adapter lib/kafka picks, traced and measured through lib/kafka's
// OpenTelemetry hooks, logging through the app's logger. The caller owns closing it, so one
// process can run several app instances (tests) with their own clients.
import { createKafka, type Kafka, type KafkaHooks, kafkaTelemetry, type Logger } from "@obs/kafka";
import type { Telemetry } from "@obs/otel";
import type { AppConfig } from "./config.ts";

/** lib/kafka logs (message, fields); pino takes (fields, message). */
export function kafkaLogger(logger: Telemetry["logger"]): Logger {
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

export async function createAppKafka(
  config: Pick<AppConfig, "name" | "kafkaBrokers">,
  telemetry: Telemetry,
): Promise<{ kafka: Kafka; hooks: KafkaHooks & ReturnType<typeof kafkaTelemetry> }> {
  const hooks = kafkaTelemetry(telemetry);
  const kafka = await createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.name,
    logger: kafkaLogger(telemetry.logger),
    hooks,
  });
  return { kafka, hooks };
}
