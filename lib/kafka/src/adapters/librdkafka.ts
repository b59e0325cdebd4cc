// Adapter for librdkafka's C library through bun:ffi, on Bun: its producer (the design's
// high-throughput path) with @platformatic/kafka's consumers and admin client, which pass the
// same conformance suite. A librdkafka consumer would need its rebalance and commit protocol
// driven over FFI too; producing is where librdkafka's batching pays.
import type { Driver, DriverConfig } from "../driver.ts";
import type { Librdkafka } from "../librdkafka/library.ts";
import { createLibrdkafkaProducer } from "../librdkafka/producer.ts";
import { createPlatformaticDriver } from "./platformatic.ts";

export function createLibrdkafkaDriver(library: Librdkafka, config: DriverConfig): Driver {
  const platformatic = createPlatformaticDriver(config);
  return {
    name: "librdkafka",
    libraries: {
      producer: `librdkafka ${library.version}`,
      consumer: platformatic.libraries.consumer,
    },
    producer: async (hooks) =>
      createLibrdkafkaProducer(library, {
        brokers: config.brokers,
        clientId: config.clientId,
        properties: config.librdkafka,
        logger: config.logger,
        hooks,
      }),
    consumer: platformatic.consumer,
    admin: platformatic.admin,
  };
}
