// One librdkafka producer instance (rd_kafka_t) and how its events reach JavaScript without a
// blocking call: librdkafka writes a byte to a pipe when its main queue gets an event
// (rd_kafka_queue_io_event_enable), Bun's event loop reads that pipe like any other stream, and
// the queue is then drained with non-blocking polls. Delivery reports, errors, statistics and
// librdkafka's own log lines all arrive on that queue.
import { CString, type Pointer, ptr, read } from "bun:ffi";
import type { OutgoingMessage } from "../port.ts";
import {
  cString,
  type Delivery,
  DeliveryReader,
  EVENT,
  MessageEncoder,
  PURGE,
  RD_KAFKA_PRODUCER,
} from "./abi.ts";
import type { Librdkafka } from "./library.ts";

/** O_NONBLOCK | O_CLOEXEC on Linux: librdkafka must never block writing the wake-up byte. */
const PIPE_FLAGS = 0o4000 | 0o2000000;
/** Events handled per turn of the event loop before yielding to other work. */
const EVENTS_PER_TURN = 256;
/** How often the queue is polled if the wake-up pipe ever stops: slower, never stalled. */
const FALLBACK_POLL_MS = 5;

export interface HandleEvents {
  delivery(report: Delivery): void;
  /** Called once after each drained batch of events (free queue room for waiting sends). */
  drained(): void;
  error(code: number, message: string, fatal: boolean): void;
  statistics(json: string): void;
  log(level: number, facility: string, message: string): void;
}

export type ProduceResult =
  | { ok: true }
  | { ok: false; code: number; message: string; retriable: boolean; fatal: boolean };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export class Handle {
  readonly #lib: Librdkafka;
  readonly #events: HandleEvents;
  readonly #rk: Pointer;
  readonly #queue: Pointer;
  readonly #pipe: [number, number];
  readonly #topics = new Map<string, Pointer>();
  readonly #encoder = new MessageEncoder();
  readonly #deliveries: DeliveryReader;
  readonly #logSlots = new BigUint64Array(3);
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #draining = false;
  #destroyed = false;
  #fallback: ReturnType<typeof setInterval> | undefined;

  constructor(lib: Librdkafka, properties: Record<string, string>, events: HandleEvents) {
    this.#lib = lib;
    this.#events = events;
    const { rd } = lib;
    const errstr = Buffer.alloc(512);
    const conf = pointer(rd.rd_kafka_conf_new());
    if (!conf) throw new Error("rd_kafka_conf_new failed");
    for (const [name, value] of Object.entries(properties)) {
      if (rd.rd_kafka_conf_set(conf, cString(name), cString(value), errstr, errstr.length) !== 0) {
        rd.rd_kafka_conf_destroy(conf);
        throw new ConfigError(`librdkafka property ${name}=${value}: ${cText(errstr)}`);
      }
    }
    rd.rd_kafka_conf_set_events(conf, EVENT.DR | EVENT.ERROR | EVENT.STATS | EVENT.LOG);
    const rk = pointer(rd.rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr.length));
    if (!rk) {
      rd.rd_kafka_conf_destroy(conf);
      throw new ConfigError(`rd_kafka_new: ${cText(errstr)}`);
    }
    this.#rk = rk;
    // NULL: log lines go to the main queue, with everything else.
    rd.rd_kafka_set_log_queue(rk, null);
    const queue = pointer(rd.rd_kafka_queue_get_main(rk));
    if (!queue) throw new Error("rd_kafka_queue_get_main failed");
    this.#queue = queue;
    const fds = new Int32Array(2);
    if (lib.libc.pipe2(fds, PIPE_FLAGS) !== 0) throw new Error("pipe2 failed");
    this.#pipe = [fds[0] as number, fds[1] as number];
    rd.rd_kafka_queue_io_event_enable(queue, this.#pipe[1], cString("1"), 1);
    this.#deliveries = new DeliveryReader((event, array, size) =>
      Number(rd.rd_kafka_event_message_array(event, array, size)),
    );
    this.#reader = Bun.file(this.#pipe[0])
      .stream()
      .getReader() as ReadableStreamDefaultReader<Uint8Array>;
    // Not from the constructor itself: the events' handlers may refer to this instance.
    queueMicrotask(() => void this.#watch());
  }

  /** Hands one message to librdkafka; its delivery report comes later, with `opaque`. */
  produce(message: OutgoingMessage, opaque: number): ProduceResult {
    const { rd } = this.#lib;
    const { address, count } = this.#encoder.encode(message, this.#topic(message.topic), opaque);
    const error = pointer(rd.rd_kafka_produceva(this.#rk, address, count));
    if (!error) return { ok: true };
    const result: ProduceResult = {
      ok: false,
      code: rd.rd_kafka_error_code(error),
      message: String(rd.rd_kafka_error_string(error)),
      retriable: rd.rd_kafka_error_is_retriable(error) !== 0,
      fatal: rd.rd_kafka_error_is_fatal(error) !== 0,
    };
    rd.rd_kafka_error_destroy(error);
    return result;
  }

  /** A topic handle per topic, kept for the handle's life: by name, produceva looks it up. */
  #topic(name: string): Pointer {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = pointer(this.#lib.rd.rd_kafka_topic_new(this.#rk, cString(name), null)) ?? undefined;
      if (!topic) throw new Error(`rd_kafka_topic_new(${name}) failed`);
      this.#topics.set(name, topic);
    }
    return topic;
  }

  /** Creating topic handles starts their metadata requests; the first send then finds it. */
  prepare(topics: string[]): void {
    for (const topic of topics) this.#topic(topic);
  }

  /** Whether a broker has answered a metadata request (non-blocking). */
  connected(): boolean {
    return this.#lib.rd.rd_kafka_controllerid(this.#rk, 0) >= 0;
  }

  /** Messages and requests librdkafka still holds (queued, in flight, or unreported). */
  outstanding(): number {
    return this.#lib.rd.rd_kafka_outq_len(this.#rk);
  }

  /** Fails what is queued or in flight; their reports (`_PURGE_*`) arrive as usual. */
  purge(): void {
    this.#lib.rd.rd_kafka_purge(this.#rk, PURGE.QUEUE | PURGE.INFLIGHT | PURGE.NON_BLOCKING);
  }

  /** The reason behind a fatal error event, as librdkafka recorded it. */
  fatalError(): { code: number; message: string } {
    const errstr = Buffer.alloc(512);
    const code = this.#lib.rd.rd_kafka_fatal_error(this.#rk, errstr, errstr.length);
    return { code, message: cText(errstr) };
  }

  /** Releases everything; call once nothing is outstanding, or after purge(). */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    clearInterval(this.#fallback);
    await this.#reader.cancel().catch(() => {});
    const { rd, libc } = this.#lib;
    this.#drain(Number.POSITIVE_INFINITY);
    for (const topic of this.#topics.values()) rd.rd_kafka_topic_destroy(topic);
    this.#topics.clear();
    rd.rd_kafka_queue_destroy(this.#queue);
    // Joins librdkafka's threads: quick once nothing is outstanding.
    rd.rd_kafka_destroy(this.#rk);
    libc.close(this.#pipe[0]);
    libc.close(this.#pipe[1]);
  }

  async #watch(): Promise<void> {
    this.#drain(EVENTS_PER_TURN);
    let why = "ended";
    try {
      for (;;) {
        const { done } = await this.#reader.read();
        if (this.#destroyed) return;
        if (done) break;
        this.#drain(EVENTS_PER_TURN);
      }
    } catch (error) {
      why = `failed: ${String(error)}`;
    }
    if (this.#destroyed) return;
    // Without wake-ups no report would ever be read again and every send would hang: poll.
    this.#events.error(-1, `wake-up pipe ${why}; polling every ${FALLBACK_POLL_MS} ms`, false);
    this.#fallback = setInterval(() => this.#drain(EVENTS_PER_TURN), FALLBACK_POLL_MS);
  }

  /**
   * Serves up to `limit` events, then yields to the event loop and goes on: a burst of reports
   * must not starve timers and sockets. librdkafka writes to the pipe again only for events
   * queued after this poll, so the rest is picked up by the immediate, not by a wake-up.
   */
  #drain(limit: number): void {
    if (this.#draining) return;
    this.#draining = true;
    let served = 0;
    try {
      const { rd } = this.#lib;
      for (; served < limit; served++) {
        const event = pointer(rd.rd_kafka_queue_poll(this.#queue, 0));
        if (!event) break;
        try {
          this.#serve(event);
        } catch (error) {
          // A throwing handler must not stop the reports of every later message.
          this.#events.error(-1, `handling a librdkafka event failed: ${String(error)}`, false);
        } finally {
          rd.rd_kafka_event_destroy(event);
        }
      }
    } finally {
      this.#draining = false;
    }
    this.#events.drained();
    if (served >= limit && !this.#destroyed) setImmediate(() => this.#drain(EVENTS_PER_TURN));
  }

  #serve(event: Pointer): void {
    const { rd } = this.#lib;
    switch (rd.rd_kafka_event_type(event)) {
      case EVENT.DR:
        for (const report of this.#deliveries.read(event)) this.#events.delivery(report);
        return;
      case EVENT.ERROR:
        this.#events.error(
          rd.rd_kafka_event_error(event),
          String(rd.rd_kafka_event_error_string(event)),
          rd.rd_kafka_event_error_is_fatal(event) !== 0,
        );
        return;
      case EVENT.STATS:
        this.#events.statistics(String(rd.rd_kafka_event_stats(event)));
        return;
      case EVENT.LOG: {
        const slots = this.#logSlots;
        const at = ptr(slots);
        const slot = (offset: number) => (at + offset) as Pointer;
        if (rd.rd_kafka_event_log(event, at, slot(8), slot(16)) !== 0) return;
        const level = read.i32(at, 16);
        this.#events.log(level, text(slots[0]), text(slots[1]));
        return;
      }
    }
  }
}

function text(address: bigint | undefined): string {
  return address ? String(new CString(Number(address) as Pointer)) : "";
}

/** bun:ffi returns pointers as numbers; its types also allow bigint. */
function pointer(value: Pointer | bigint | null): Pointer | null {
  return value === null || value === 0 ? null : (Number(value) as Pointer);
}

function cText(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString("utf8", 0, end === -1 ? buffer.length : end);
}
