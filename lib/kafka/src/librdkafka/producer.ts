// The port's producer over librdkafka: one rd_kafka_produceva call per message, each message's
// delivery report resolving its share of the caller's send(). librdkafka batches, retries and
// keeps order per partition (idempotent, acks=all) on its own threads; JavaScript only enqueues
// and reads reports.
import type { DriverProducer, ProducerHooks } from "../driver.ts";
import { KafkaProduceError } from "../errors.ts";
import { type Deferred, deferred } from "../internal.ts";
import type { DeliveryReport, Logger, OutgoingMessage } from "../port.ts";
import { type Delivery, ERR } from "./abi.ts";
import { type LibrdkafkaOptions, producerProperties } from "./config.ts";
import { errorName, produceError } from "./errors.ts";
import { Handle } from "./handle.ts";
import type { Librdkafka } from "./library.ts";
import type { LibrdkafkaStatistics } from "./statistics.ts";

export interface LibrdkafkaProducerOptions extends LibrdkafkaOptions {
  logger: Logger;
  hooks?: ProducerHooks;
  /** How long close() waits for outstanding reports before purging them. Default 10 s. */
  flushTimeoutMs?: number;
  /** How long connect() waits for a broker to answer. Default 10 s. */
  connectTimeoutMs?: number;
}

interface Batch {
  messages: OutgoingMessage[];
  reports: DeliveryReport[];
  remaining: number;
  error?: KafkaProduceError;
  reply: Deferred<DeliveryReport[]>;
}

interface Slot {
  batch: Batch;
  index: number;
  handle: Handle;
}

/** A message waiting for room in librdkafka's queue (queue.buffering.max.messages). */
interface Waiting {
  batch: Batch;
  index: number;
}

/**
 * A connection that cannot be made: librdkafka reports it on every attempt of every broker
 * thread. A warning here: the outage itself is what readiness and the alerts report.
 */
const UNREACHABLE = /Connect to .* failed|Connection refused|brokers are down|Disconnected/i;

/**
 * librdkafka has no call that says whether its idempotent producer has its producer id yet; its
 * `eos` debug lines do ("Idempotent producer state change WaitPID -> Assigned"), so they are
 * switched on and read, and only shown when the service asked for debug lines itself.
 */
const IDEMPOTENCE_STATE = /Idempotent producer state change \w+ -> (\w+)/;

function withStateLogs(properties: Record<string, string>): {
  properties: Record<string, string>;
  verbose: boolean;
} {
  const asked = properties.debug?.trim();
  if (asked === "all" || asked?.split(",").includes("eos")) {
    return { properties, verbose: true };
  }
  const debug = asked ? `${asked},eos` : "eos";
  return { properties: { ...properties, debug }, verbose: Boolean(asked) };
}

const LOG_ERR = 3;
const LOG_WARNING = 4;

export function createLibrdkafkaProducer(
  library: Librdkafka,
  options: LibrdkafkaProducerOptions,
): DriverProducer {
  const { logger } = options;
  const { properties, verbose } = withStateLogs(producerProperties(options));
  const idempotent = properties["enable.idempotence"] === "true";
  /** The idempotence state machine's state per instance: "Assigned" once it has its id. */
  const idempotence = new WeakMap<Handle, string>();
  const flushTimeoutMs = options.flushTimeoutMs ?? 10_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const slots = new Map<number, Slot>();
  const backlog: Waiting[] = [];
  const retired = new Set<Handle>();
  let nextOpaque = 1;
  let current: Handle | undefined;
  let closing = false;
  let idle: Deferred<void> | undefined;

  function settle(batch: Batch): void {
    if (--batch.remaining > 0) return;
    if (batch.error) batch.reply.reject(batch.error);
    else batch.reply.resolve(batch.reports);
  }

  function fail(batch: Batch, error: KafkaProduceError): void {
    batch.error ??= error;
    settle(batch);
  }

  function onDelivery(handle: Handle, report: Delivery): void {
    const slot = slots.get(report.opaque);
    if (!slot) return;
    slots.delete(report.opaque);
    const { batch, index } = slot;
    const topic = batch.messages[index]?.topic ?? "";
    if (report.error !== ERR.NO_ERROR) {
      fail(batch, produceError(library.rd, report.error, { topic }));
    } else {
      batch.reports[index] = { topic, partition: report.partition, offset: report.offset };
      settle(batch);
    }
    if (retired.has(handle) && !holds(handle)) void release(handle);
  }

  function holds(handle: Handle): boolean {
    for (const slot of slots.values()) if (slot.handle === handle) return true;
    return false;
  }

  function onError(handle: Handle, code: number, message: string, fatal: boolean): void {
    if (!fatal) {
      logger.warn(`librdkafka: ${message}`, {
        client: "librdkafka",
        code: errorName(library.rd, code),
      });
      return;
    }
    // An idempotent producer that lost its guarantees (e.g. a sequence gap) cannot go on:
    // librdkafka fails what it holds; the next send gets a new instance and a new producer id.
    const reason = handle.fatalError();
    logger.error("librdkafka producer failed fatally; replacing it", {
      client: "librdkafka",
      code: errorName(library.rd, reason.code),
      error: reason.message || message,
    });
    retire(handle);
  }

  function onLog(handle: Handle, level: number, facility: string, message: string): void {
    const fields = { client: "librdkafka", facility };
    if (level > LOG_WARNING) {
      const state = IDEMPOTENCE_STATE.exec(message)?.[1];
      if (state) idempotence.set(handle, state);
      if (verbose) logger.info(message, fields);
      return;
    }
    if (level <= LOG_ERR && !UNREACHABLE.test(message)) logger.error(message, fields);
    else logger.warn(message, fields);
  }

  function onStatistics(json: string): void {
    const hook = options.hooks?.onStatistics;
    if (!hook) return;
    try {
      hook(JSON.parse(json) as LibrdkafkaStatistics);
    } catch (error) {
      logger.warn("librdkafka statistics not handled", { error: String(error) });
    }
  }

  function handle(): Handle {
    if (current) return current;
    const created: Handle = new Handle(library, properties, {
      delivery: (report) => onDelivery(created, report),
      drained: () => {
        resume();
        if (idle && slots.size === 0 && backlog.length === 0) idle.resolve();
      },
      error: (code, message, fatal) => onError(created, code, message, fatal),
      statistics: onStatistics,
      log: (level, facility, message) => onLog(created, level, facility, message),
    });
    current = created;
    return created;
  }

  function retire(old: Handle): void {
    if (current === old) current = undefined;
    retired.add(old);
    old.purge();
    if (!holds(old)) void release(old);
  }

  async function release(old: Handle): Promise<void> {
    retired.delete(old);
    await old.destroy();
  }

  /** Enqueues one message; false when librdkafka's queue is full (the caller waits). */
  function produce(batch: Batch, index: number): boolean {
    const message = batch.messages[index] as OutgoingMessage;
    const target = handle();
    const opaque = nextOpaque++;
    let result: ReturnType<Handle["produce"]>;
    try {
      result = target.produce(message, opaque);
    } catch (error) {
      fail(
        batch,
        new KafkaProduceError(String(error), {
          code: "_INVALID_ARG",
          retriable: false,
          topic: message.topic,
          cause: error,
        }),
      );
      return true;
    }
    if (result.ok) {
      slots.set(opaque, { batch, index, handle: target });
      return true;
    }
    if (result.code === ERR.QUEUE_FULL) return false;
    fail(
      batch,
      produceError(library.rd, result.code, {
        topic: message.topic,
        detail: result.message,
        fatal: result.fatal,
        retriable: result.retriable,
      }),
    );
    if (result.fatal) retire(target);
    return true;
  }

  /** Sends what waited for queue room, in order, until the queue is full again. */
  function resume(): void {
    while (backlog.length > 0) {
      const next = backlog[0] as Waiting;
      if (!produce(next.batch, next.index)) return;
      backlog.shift();
    }
  }

  async function waitIdle(timeoutMs: number): Promise<boolean> {
    if (slots.size === 0 && backlog.length === 0) return true;
    idle = deferred<void>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([idle.promise.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
      idle = undefined;
    }
  }

  // Now, so a bad property fails the caller at once rather than its first send.
  handle();

  return {
    send(messages) {
      if (closing) {
        return Promise.reject(
          new KafkaProduceError("producer is closed", { code: "_DESTROY", retriable: true }),
        );
      }
      const batch: Batch = {
        messages,
        reports: new Array(messages.length),
        remaining: messages.length,
        reply: deferred<DeliveryReport[]>(),
      };
      // Sends keep their order: once one waits for queue room, later ones queue behind it.
      for (let index = 0; index < messages.length; index++) {
        if (backlog.length > 0 || !produce(batch, index)) backlog.push({ batch, index });
      }
      return batch.reply.promise;
    },

    async connect(topics) {
      const target = handle();
      target.prepare(topics);
      const deadline = Date.now() + connectTimeoutMs;
      // A broker has answered, and the producer id is there: the first message waits for it.
      const ready = () =>
        target.connected() && (!idempotent || idempotence.get(target) === "Assigned");
      while (!ready()) {
        if (Date.now() > deadline) {
          throw new Error(
            `librdkafka: no broker of ${options.brokers.join(",")} answered in ${connectTimeoutMs} ms`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },

    async close() {
      if (closing) return;
      closing = true;
      if (!(await waitIdle(flushTimeoutMs))) {
        logger.warn("librdkafka: reports outstanding at close; purging them", {
          client: "librdkafka",
          messages: slots.size + backlog.length,
        });
        for (const waiting of backlog.splice(0)) {
          fail(
            waiting.batch,
            new KafkaProduceError("producer closed before sending", {
              code: "_PURGE_QUEUE",
              retriable: true,
            }),
          );
        }
        current?.purge();
        await waitIdle(2_000);
      }
      for (const [opaque, slot] of slots) {
        slots.delete(opaque);
        fail(
          slot.batch,
          new KafkaProduceError("producer closed before a report", {
            code: "_DESTROY",
            retriable: true,
          }),
        );
      }
      const handles = [...retired, ...(current ? [current] : [])];
      current = undefined;
      retired.clear();
      await Promise.all(handles.map((h) => h.destroy()));
    },
  };
}
