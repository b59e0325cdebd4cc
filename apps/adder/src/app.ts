// Wiring of one adder instance: telemetry, Kafka, the topic, the HTTP and gRPC ports, and a
// stop() that closes them in order. It is a function rather than main.ts's top level so tests
// can run instances side by side on ephemeral ports; the instance owns its shutdown order
// (lib/service's process-wide shutdown list is for main.ts).
import { type Admin, type Kafka, startLagMonitor } from "@obs/kafka";
import { startTelemetry, type Telemetry, type TelemetryOptions } from "@obs/otel";
import { dlqTopic, loadProto } from "@obs/proto";
import {
  type AppConfig,
  createAppKafka,
  loadConfig,
  startGrpcServer,
  startHttpServer,
  warmUpProducer,
  withTimeout,
} from "@obs/service";
import { type AdderSettings, loadAdderSettings } from "./config.ts";
import { createPublisher, produceDeadline } from "./publish.ts";
import { adderRoutes } from "./rest.ts";
import { adderHandlers } from "./service.ts";

export interface AdderOptions {
  /** Source of GRPC_PORT, HTTP_PORT, KAFKA_BROKERS, ADDER_*; default process.env. */
  env?: Record<string, string | undefined>;
  /** Wins over env, e.g. `{ grpcPort: 0, httpPort: 0 }` for ephemeral ports. */
  config?: Partial<AppConfig>;
  settings?: Partial<AdderSettings>;
  /** Extra telemetry options, e.g. an in-memory span processor in tests. */
  telemetry?: Partial<TelemetryOptions>;
}

export interface Adder {
  config: AppConfig;
  settings: AdderSettings;
  /** The ports actually bound (differ from config when it asked for 0). */
  grpcPort: number;
  httpPort: number;
  telemetry: Telemetry;
  kafka: Kafka;
  /** gRPC drains first, then HTTP, then Kafka, then telemetry is flushed. Idempotent. */
  stop(): Promise<void>;
}

export const SERVICE_NAME = "adder.v1.Adder";

/**
 * Creates adder.sums.v1 and its DLQ with enough partitions for a consumer group (idempotent).
 * A broker that is down at start-up does not stop the adder: it keeps trying in the
 * background, and /readyz says not ready until the topic exists.
 */
function ensureTopics(admin: Admin, settings: AdderSettings, telemetry: Telemetry) {
  const specs = [settings.topic, dlqTopic(settings.topic)].map((topic) => ({
    topic,
    partitions: settings.topicPartitions,
  }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const attempt = async (): Promise<void> => {
    try {
      await withTimeout(admin.createTopics(specs), settings.kafkaCheckTimeoutMs, "createTopics");
      const counts = await withTimeout(
        admin.partitionCounts([settings.topic]),
        settings.kafkaCheckTimeoutMs,
        "partitionCounts",
      );
      const partitions = counts.get(settings.topic) ?? 0;
      // An existing topic is left as it is; fewer partitions limit how far a group can spread.
      if (partitions < settings.topicPartitions)
        telemetry.logger.warn(
          { topic: settings.topic, partitions, wanted: settings.topicPartitions },
          "topic has fewer partitions than configured",
        );
    } catch (error) {
      telemetry.logger.warn({ err: error }, "cannot create Kafka topics yet; retrying");
      if (!stopped) timer = setTimeout(attempt, 5000);
    }
  };
  return {
    first: attempt(),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export async function startAdder(options: AdderOptions = {}): Promise<Adder> {
  const env = options.env ?? process.env;
  const config: AppConfig = { ...loadConfig("adder", env), ...options.config };
  const settings: AdderSettings = { ...loadAdderSettings(env), ...options.settings };

  // First, so every client and server created below is traced.
  const telemetry = startTelemetry({
    serviceName: "adder",
    serviceVersion: config.version,
    ...options.telemetry,
  });
  const { logger } = telemetry;

  // Closed in reverse order, also when start-up fails half-way.
  const closers: { name: string; close: () => Promise<void> | void }[] = [
    { name: "telemetry", close: () => telemetry.shutdown() },
  ];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const { name, close } of closers.reverse()) {
        try {
          await close();
        } catch (error) {
          logger.warn({ err: error }, `error while closing ${name}`);
        }
      }
    })();
    return stopping;
  };

  try {
    const { kafka, hooks } = await createAppKafka(config, telemetry);
    // After the telemetry hooks, hence innermost: the telemetry records a timeout as an error.
    kafka.use({ produce: [produceDeadline(settings.publishTimeoutMs)] });
    closers.push({ name: "kafka", close: () => kafka.close() });

    const admin = await kafka.admin();
    const topics = ensureTopics(admin, settings, telemetry);
    closers.push({ name: "topics", close: () => topics.stop() });
    await topics.first;

    for (const groupId of settings.watchedGroups) {
      const stopLag = startLagMonitor({
        admin,
        groupId,
        topics: [settings.topic],
        metrics: hooks.metrics,
        intervalMs: settings.lagIntervalMs,
        onError: (error) => logger.warn({ err: error, groupId }, "kafka lag poll failed"),
      });
      closers.push({ name: `lag ${groupId}`, close: stopLag });
    }

    const producer = await kafka.producer();
    const warm = warmUpProducer(producer, [settings.topic], { logger });
    closers.push({ name: "producer warm-up", close: () => warm.stop() });
    await warm.settle();
    const publisher = createPublisher(producer, settings.topic);

    const http = startHttpServer({
      port: config.httpPort,
      host: config.host,
      metrics: () => telemetry.renderMetrics(),
      readiness: {
        kafka: async () => {
          const names = await withTimeout(
            admin.listTopics(),
            settings.kafkaCheckTimeoutMs,
            "kafka metadata",
          );
          if (!names.includes(settings.topic)) throw new Error(`topic ${settings.topic} missing`);
        },
        producer: warm.readiness,
      },
      routes: adderRoutes({ publisher, logger }),
      telemetry,
      logger,
      maxBodyBytes: config.maxRequestBytes,
    });
    closers.push({ name: "http", close: () => http.stop() });

    const proto = loadProto("adder");
    const grpc = await startGrpcServer({
      port: config.grpcPort,
      host: config.host,
      packageDefinition: proto.definition,
      services: [
        {
          name: SERVICE_NAME,
          definition: proto.grpc.adder.v1.Adder.service,
          implementation: adderHandlers({
            publisher,
            logger,
            batching: { maxBatch: settings.batchMax, lingerMs: settings.batchLingerMs },
          }),
        },
      ],
      telemetry,
      maxMessageBytes: config.maxRequestBytes,
    });
    // Last registered, first closed: no call can publish after Kafka is closed.
    closers.push({ name: "grpc", close: () => grpc.stop() });

    logger.info(
      { grpcPort: grpc.port, httpPort: http.port, brokers: config.kafkaBrokers },
      "adder started",
    );
    return {
      config,
      settings,
      grpcPort: grpc.port,
      httpPort: http.port,
      telemetry,
      kafka,
      stop,
    };
  } catch (error) {
    logger.error({ err: error }, "adder failed to start");
    await stop();
    throw error;
  }
}
