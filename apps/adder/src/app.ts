// The adder: Adder.Add (gRPC) and POST /v1/add return a+b once the SumMessage is acknowledged
// by the broker on adder.sums.v1; AddStream batches a stream of them. Assembled by lib/service's
// skeleton.
import { dlqTopic } from "@obs/proto";
import { defineApp, type RunningAppOf } from "@obs/service";
import { type AdderSettings, loadAdderSettings } from "./config.ts";
import { adderHandlers } from "./grpc.ts";
import { createPublisher, produceDeadline } from "./publish.ts";
import { adderRoutes } from "./routes.ts";

export interface AdderOptions {
  /** Wins over the environment (ADDER_*). */
  settings?: Partial<AdderSettings>;
}

export const adderApp = defineApp({
  name: "adder",
  service: "adder.v1.Adder",
  async build({ kafka, logger }, options: AdderOptions) {
    const settings = { ...loadAdderSettings(), ...options.settings };
    const { topic } = settings;
    const k = await kafka();
    // After the telemetry hooks, hence innermost: the telemetry records a timeout as an error.
    k.kafka.use({ produce: [produceDeadline(settings.publishTimeoutMs)] });
    // A broker that is down does not stop the adder: /readyz says so until the topics exist.
    await k.topics([topic, dlqTopic(topic)], { partitions: settings.topicPartitions });
    for (const groupId of settings.watchedGroups)
      k.watchLag(groupId, [topic], { intervalMs: settings.lagIntervalMs });
    const publisher = createPublisher(await k.producer([topic]), topic, logger);
    const batching = { maxBatch: settings.batchMax, lingerMs: settings.batchLingerMs };
    return {
      handlers: adderHandlers({ publisher, logger, batching }),
      routes: adderRoutes({ publisher }),
      handle: { settings, kafka: k.kafka },
      facts: { topic },
    };
  },
});

export type Adder = RunningAppOf<typeof adderApp>;

export const startAdder = adderApp.start;
