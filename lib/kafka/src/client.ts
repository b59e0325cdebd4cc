// The port's implementation over any driver: hooks, the shared DLQ producer, and closing
// everything that was opened.
import { type DeadLetter, startConsumer } from "./consumer.ts";
import {
  DeadLetterDisabledError,
  DeadLetterError,
  deadLetterMessage,
  defaultDeadLetterTopic,
} from "./dead-letter.ts";
import type { Driver } from "./driver.ts";
import { composeProduce } from "./middleware.ts";
import type {
  Admin,
  Consumer,
  ConsumerOptions,
  Kafka,
  KafkaClientInfo,
  KafkaHooks,
  Logger,
  OutgoingMessage,
  Producer,
} from "./port.ts";

const DLQ_ATTEMPTS = 5;
const DLQ_BACKOFF_MS = 200;

type Hooks = Required<Pick<KafkaHooks, "produce" | "consume" | "consumeBatch">> & KafkaHooks;

function mergeHooks(into: Hooks, add: KafkaHooks) {
  into.produce.push(...(add.produce ?? []));
  into.consume.push(...(add.consume ?? []));
  into.consumeBatch.push(...(add.consumeBatch ?? []));
  const { onDeadLetter, onError, onConsumer, onStatistics } = add;
  if (onStatistics) {
    const previous = into.onStatistics;
    into.onStatistics = (statistics) => {
      previous?.(statistics);
      onStatistics(statistics);
    };
  }
  if (onConsumer) {
    const previous = into.onConsumer;
    into.onConsumer = (consumer) => {
      previous?.(consumer);
      onConsumer(consumer);
    };
  }
  if (onDeadLetter) {
    const previous = into.onDeadLetter;
    into.onDeadLetter = (event) => {
      previous?.(event);
      onDeadLetter(event);
    };
  }
  if (onError) {
    const previous = into.onError;
    into.onError = (error) => {
      previous?.(error);
      onError(error);
    };
  }
}

export function createClient(
  driver: Driver,
  config: { clientId: string; logger: Logger; hooks?: KafkaHooks },
): Kafka {
  const { logger } = config;
  const hooks: Hooks = {
    produce: [],
    consume: [],
    consumeBatch: [],
  };
  if (config.hooks) mergeHooks(hooks, config.hooks);
  const info: KafkaClientInfo = { adapter: driver.name, ...driver.libraries };
  config.hooks?.onClient?.(info);

  // Consumers close before the rest: their last handlers may still dead-letter through the
  // DLQ producer and consult the admin client.
  const consumers = new Set<() => Promise<void>>();
  const others = new Set<() => Promise<void>>();
  function track<T extends { close(): Promise<void> }>(resource: T, closers = others): T {
    const close = () => resource.close();
    closers.add(close);
    const original = resource.close.bind(resource);
    resource.close = async () => {
      closers.delete(close);
      await original();
    };
    return resource;
  }

  async function producer(): Promise<Producer> {
    const inner = await driver.producer({
      onStatistics: (statistics) => hooks.onStatistics?.(statistics),
    });
    // When each unsettled send started, oldest first (a Map keeps insertion order).
    const started = new Map<number, number>();
    let nextSend = 0;
    const sendTracked = (final: OutgoingMessage[]) => {
      const id = nextSend++;
      started.set(id, Date.now());
      return inner.send(final).finally(() => started.delete(id));
    };
    return track({
      send: (messages: OutgoingMessage[]) => {
        if (messages.length === 0) return Promise.resolve([]);
        return composeProduce(hooks.produce, sendTracked)(messages);
      },
      connect: (topics: string[]) => inner.connect(topics),
      pending: () => {
        const oldest = started.values().next().value;
        return { sends: started.size, oldestMs: oldest === undefined ? 0 : Date.now() - oldest };
      },
      close: () => inner.close(),
    });
  }

  // One producer and one admin client for dead letters, opened on the first failure only.
  let dlqProducer: Promise<Producer> | undefined;
  let dlqAdmin: Promise<Admin> | undefined;
  const ensuredTopics = new Map<string, Promise<void>>();

  function ensureTopic(topic: string): Promise<void> {
    let ensured = ensuredTopics.get(topic);
    if (!ensured) {
      dlqAdmin ??= admin();
      ensured = dlqAdmin
        .then((client) => client.createTopics([{ topic }]))
        .catch((error: unknown) => {
          // The broker may still auto-create it on send; if not, the send fails and says so.
          ensuredTopics.delete(topic);
          logger.warn("could not create DLQ topic", { topic, error: String(error) });
        });
      ensuredTopics.set(topic, ensured);
    }
    return ensured;
  }

  function deadLetterFor<T>(options: ConsumerOptions<T>): DeadLetter {
    const topicFor = options.deadLetterTopic ?? defaultDeadLetterTopic;
    return async (message, failure) => {
      if (topicFor === false) {
        throw new DeadLetterDisabledError(`no DLQ configured; ${failure.stage} failed`, {
          cause: failure.error,
        });
      }
      const dlqTopic = topicFor(message.topic);
      const outgoing = deadLetterMessage(message, dlqTopic, failure);
      await ensureTopic(dlqTopic);
      dlqProducer ??= producer();
      let lastError: unknown;
      for (let attempt = 1; attempt <= DLQ_ATTEMPTS; attempt++) {
        try {
          const [report] = await (await dlqProducer).send([outgoing]);
          if (!report) throw new Error("no delivery report for the DLQ message");
          logger.warn("kafka message dead-lettered", {
            topic: message.topic,
            partition: message.partition,
            offset: message.offset.toString(),
            dlqTopic,
            stage: failure.stage,
            error: String(failure.error),
          });
          hooks.onDeadLetter?.({ ...failure, message, dlqTopic, report });
          return;
        } catch (error) {
          lastError = error;
          await new Promise((resolve) => setTimeout(resolve, DLQ_BACKOFF_MS * attempt));
        }
      }
      throw new DeadLetterError(`could not send to ${dlqTopic}`, { cause: lastError });
    };
  }

  function consumer<T>(options: ConsumerOptions<T>): Consumer {
    const created = track(
      startConsumer<T>(
        {
          driver,
          clientId: config.clientId,
          hooks: () => hooks,
          deadLetter: deadLetterFor(options),
          logger,
        },
        options,
      ),
      consumers,
    );
    hooks.onConsumer?.(created);
    return created;
  }

  async function admin(): Promise<Admin> {
    return track(await driver.admin());
  }

  return {
    adapter: driver.name,
    client: info,
    producer,
    consumer,
    admin,
    use: (add) => {
      mergeHooks(hooks, add);
      add.onClient?.(info);
    },
    async close() {
      const results = await Promise.allSettled([...consumers].map((close) => close()));
      results.push(...(await Promise.allSettled([...others].map((close) => close()))));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failures.length > 0) {
        throw new AggregateError(
          failures.map((f) => f.reason),
          "some Kafka clients failed to close",
        );
      }
    },
  };
}
