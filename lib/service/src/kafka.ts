// An app's Kafka client: the adapter lib/kafka picks, traced and measured through
// lib/kafka's OpenTelemetry hooks, logging through the app's logger, closed on shutdown.
import { createKafka, type Kafka, kafkaTelemetry, type Logger } from "@obs/kafka";
import type { AppRuntime } from "./app.ts";
import { onShutdown } from "./lifecycle.ts";

function kafkaLogger(logger: AppRuntime["telemetry"]["logger"]): Logger {
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

export async function connectKafka({
  config,
  telemetry,
}: AppRuntime): Promise<{ kafka: Kafka; hooks: ReturnType<typeof kafkaTelemetry> }> {
  const hooks = kafkaTelemetry(telemetry);
  const kafka = await createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.name,
    logger: kafkaLogger(telemetry.logger),
    hooks,
  });
  onShutdown("kafka", () => kafka.close());
  return { kafka, hooks };
}
