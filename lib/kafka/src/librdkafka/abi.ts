// librdkafka's C structures as bun:ffi sees them: constants from rdkafka.h, the layout of
// rd_kafka_vu_t (the argument array of rd_kafka_produceva) and of rd_kafka_message_t (a delivery
// report). x86-64 and arm64 Linux/macOS (LP64) only: pointers and size_t are 8 bytes.
import { type Pointer, ptr, read } from "bun:ffi";
import type { OutgoingMessage } from "../port.ts";

export const RD_KAFKA_PRODUCER = 0;

export const EVENT = { DR: 0x1, LOG: 0x4, ERROR: 0x8, STATS: 0x40 } as const;

/** rd_kafka_vtype_t. */
const VTYPE = {
  END: 0,
  TOPIC: 1,
  RKT: 2,
  PARTITION: 3,
  VALUE: 4,
  KEY: 5,
  OPAQUE: 6,
  MSGFLAGS: 7,
  TIMESTAMP: 8,
  HEADER: 9,
} as const;

/** librdkafka copies key, value and headers at produce time, so JS memory can be reused. */
const RD_KAFKA_MSG_F_COPY = 0x2;

export const PURGE = { QUEUE: 0x1, INFLIGHT: 0x2, NON_BLOCKING: 0x4 } as const;

export const ERR = {
  NO_ERROR: 0,
  QUEUE_FULL: -184,
  PURGE_QUEUE: -152,
  PURGE_INFLIGHT: -151,
} as const;

/** sizeof(rd_kafka_vu_t): an int enum, padding, then a union padded to 64 bytes. */
const VU_SIZE = 72;
const VU_UNION = 8;

/** Offsets in rd_kafka_message_t. */
const MESSAGE = { err: 0, partition: 16, offset: 56, opaque: 64 } as const;

const TWO_32 = 2 ** 32;

/** A NUL-terminated copy of `text`, for `const char *` arguments. */
export function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`);
}

function byteLength(value: string | Buffer): number {
  return typeof value === "string" ? value.length * 3 : value.byteLength;
}

/**
 * Builds the rd_kafka_vu_t array of one message in memory reused from call to call. Strings are
 * encoded, and buffers copied, into one scratch area the array points into; both are only read
 * during rd_kafka_produceva, which copies what it keeps (RD_KAFKA_MSG_F_COPY).
 */
export class MessageEncoder {
  #vus = new Uint32Array((VU_SIZE / 4) * 16);
  #scratch = new Uint8Array(64 * 1024);
  #encoder = new TextEncoder();
  #base = 0;
  #used = 0;
  #count = 0;

  /** Encodes `message`; returns the array's address and entry count for rd_kafka_produceva. */
  encode(
    message: OutgoingMessage,
    topic: Pointer,
    opaque: number,
  ): { address: Pointer; count: number } {
    const headers = Object.entries(message.headers ?? {});
    this.#reserve(message, headers);
    this.#count = 0;
    this.#used = 0;
    this.#pointer(VTYPE.RKT, 0, topic);
    if (message.partition !== undefined) this.#int(VTYPE.PARTITION, message.partition);
    this.#int(VTYPE.MSGFLAGS, RD_KAFKA_MSG_F_COPY);
    this.#memory(VTYPE.VALUE, message.value);
    if (message.key !== undefined && message.key !== null) this.#memory(VTYPE.KEY, message.key);
    this.#pointer(VTYPE.OPAQUE, 0, opaque);
    if (message.timestamp !== undefined) this.#pointer(VTYPE.TIMESTAMP, 0, message.timestamp);
    for (const [name, value] of headers) {
      const entry = this.#entry(VTYPE.HEADER);
      this.#set(entry, 0, this.#bytes(name, true).at);
      const { at, length } = this.#bytes(value, false);
      this.#set(entry, 8, at);
      this.#set(entry, 16, length);
    }
    return { address: ptr(this.#vus), count: this.#count };
  }

  /** Grows both areas before writing, so `#base` stays valid while the message is encoded. */
  #reserve(message: OutgoingMessage, headers: [string, string | Buffer][]): void {
    let bytes = 0;
    if (message.value !== null) bytes += byteLength(message.value);
    if (message.key !== undefined && message.key !== null) bytes += byteLength(message.key);
    for (const [name, value] of headers) bytes += name.length * 3 + 1 + byteLength(value);
    if (bytes > this.#scratch.byteLength) {
      this.#scratch = new Uint8Array(Math.max(bytes, this.#scratch.byteLength * 2));
    }
    const entries = 8 + headers.length;
    if (entries * VU_SIZE > this.#vus.byteLength) {
      this.#vus = new Uint32Array((VU_SIZE / 4) * entries * 2);
    }
    this.#base = ptr(this.#scratch);
  }

  #entry(vtype: number): number {
    const entry = this.#count++ * VU_SIZE;
    this.#vus[entry / 4] = vtype;
    return entry + VU_UNION;
  }

  /** Writes an 8-byte integer (a pointer, size_t or int64) as two 32-bit halves. */
  #set(entry: number, offset: number, value: number): void {
    const low = value % TWO_32;
    const index = (entry + offset) / 4;
    this.#vus[index] = low;
    this.#vus[index + 1] = (value - low) / TWO_32;
  }

  #pointer(vtype: number, offset: number, value: number): void {
    this.#set(this.#entry(vtype), offset, value);
  }

  #int(vtype: number, value: number): void {
    const entry = this.#entry(vtype);
    this.#vus[entry / 4] = value;
    this.#vus[entry / 4 + 1] = 0;
  }

  /** A (pointer, size) pair; NULL and 0 for a null value (a tombstone). */
  #memory(vtype: number, value: string | Buffer | null): void {
    const entry = this.#entry(vtype);
    const { at, length } = value === null ? { at: 0, length: 0 } : this.#bytes(value, false);
    this.#set(entry, 0, at);
    this.#set(entry, 8, length);
  }

  #bytes(value: string | Buffer, terminate: boolean): { at: number; length: number } {
    const start = this.#used;
    let length: number;
    if (typeof value === "string") {
      length = this.#encoder.encodeInto(value, this.#scratch.subarray(start)).written;
    } else {
      this.#scratch.set(value, start);
      length = value.byteLength;
    }
    this.#used += length;
    if (terminate) this.#scratch[this.#used++] = 0;
    return { at: this.#base + start, length };
  }
}

export interface Delivery {
  opaque: number;
  error: number;
  partition: number;
  offset: bigint;
}

/** Reads the delivery reports of a DR event through a reused array of message pointers. */
export class DeliveryReader {
  #messages = new BigUint64Array(1024);

  constructor(
    private readonly messageArray: (event: Pointer, array: Pointer, size: number) => number,
  ) {}

  *read(event: Pointer): Generator<Delivery> {
    const array = ptr(this.#messages);
    for (;;) {
      const count = this.messageArray(event, array, this.#messages.length);
      for (let i = 0; i < count; i++) {
        const message = Number(this.#messages[i]) as Pointer;
        yield {
          opaque: read.ptr(message, MESSAGE.opaque),
          error: read.i32(message, MESSAGE.err),
          partition: read.i32(message, MESSAGE.partition),
          offset: read.i64(message, MESSAGE.offset),
        };
      }
      if (count < this.#messages.length) return;
    }
  }
}
