import { expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import {
  AppError,
  GrpcStatus,
  grpcStatusName,
  grpcStatusToHttp,
  statusOf,
  unaryHandler,
} from "../src/errors.ts";

test("gRPC codes map to seed 000's REST statuses", () => {
  expect(grpcStatusToHttp(GrpcStatus.INVALID_ARGUMENT)).toBe(400);
  expect(grpcStatusToHttp(GrpcStatus.NOT_FOUND)).toBe(404);
  expect(grpcStatusToHttp(GrpcStatus.ALREADY_EXISTS)).toBe(409);
  expect(grpcStatusToHttp(GrpcStatus.FAILED_PRECONDITION)).toBe(422);
  expect(grpcStatusToHttp(GrpcStatus.UNAVAILABLE)).toBe(503);
  expect(grpcStatusToHttp(GrpcStatus.INTERNAL)).toBe(500);
  expect(grpcStatusToHttp(GrpcStatus.UNKNOWN)).toBe(500);
  expect(grpcStatusToHttp(GrpcStatus.DEADLINE_EXCEEDED)).toBe(500);
  expect(grpcStatusName(GrpcStatus.FAILED_PRECONDITION)).toBe("FAILED_PRECONDITION");
});

test("AppError is what grpc-js reads from a handler's error", () => {
  const error = AppError.notFound("account 1 not found");
  expect(error).toBeInstanceOf(Error);
  expect(error.code).toBe(grpc.status.NOT_FOUND);
  expect(error.details).toBe("account 1 not found");
  expect(statusOf(error)).toEqual({ code: GrpcStatus.NOT_FOUND, message: "account 1 not found" });
});

test("a downstream gRPC error keeps its status; plain errors have none", () => {
  const downstream = Object.assign(new Error("5 NOT_FOUND: gone"), {
    code: GrpcStatus.NOT_FOUND,
    details: "gone",
  });
  expect(statusOf(downstream)).toEqual({ code: GrpcStatus.NOT_FOUND, message: "gone" });
  expect(statusOf(new Error("boom"))).toBeUndefined();
  expect(statusOf(Object.assign(new Error("pg"), { code: "23505" }))).toBeUndefined();
});

test("unaryHandler replies, sends AppErrors as statuses and hides unexpected errors", async () => {
  const call = (request: { n: number }) =>
    ({ request, getPath: () => "/t.v1.T/M" }) as unknown as grpc.ServerUnaryCall<
      { n: number },
      { n: number }
    >;
  const run = (n: number) =>
    new Promise<[unknown, unknown]>((resolve) =>
      unaryHandler<{ n: number }, { n: number }>(async ({ n }) => {
        if (n < 0) throw AppError.invalidArgument("negative");
        if (n === 0) throw new Error("connection string postgres://secret");
        return { n: n * 2 };
      })(call({ n }), (error, reply) => resolve([error, reply])),
    );
  expect(await run(2)).toEqual([null, { n: 4 }]);
  expect((await run(-1))[0]).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, details: "negative" });
  expect((await run(0))[0]).toEqual({ code: GrpcStatus.INTERNAL, details: "internal error" });
});

test("a database that is away is UNAVAILABLE; a value it refuses is INVALID_ARGUMENT; never INTERNAL", () => {
  const wrapped = (code: string, message = "boom") =>
    Object.assign(new Error("Failed query: select …"), {
      cause: Object.assign(new Error(message), { code }),
    });
  for (const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "57P01", "57P03", "08006", "53300"])
    expect({ code, status: statusOf(wrapped(code))?.code }).toEqual({
      code,
      status: GrpcStatus.UNAVAILABLE,
    });
  const refused = statusOf(wrapped("22021", 'invalid byte sequence for encoding "UTF8": 0x00'));
  expect(refused).toEqual({
    code: GrpcStatus.INVALID_ARGUMENT,
    message:
      'the database refused a value of the request: invalid byte sequence for encoding "UTF8": 0x00 (SQLSTATE 22021)',
    fromDatabase: "refused",
  });
  // A constraint violation is a bug to fix, not the client's fault nor an outage.
  expect(statusOf(wrapped("23505"))).toBeUndefined();
});
