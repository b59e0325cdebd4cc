import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { grpcErrorKind } from "./flows/add.ts";
import { httpErrorKind, postJson } from "./flows/http.ts";
import { pickPair } from "./flows/transfer.ts";
import { checkHttp, UnreachableError } from "./targets.ts";

// A real server on a free port: slow, failing and healthy answers without the apps.
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/slow") await Bun.sleep(500);
    if (path === "/refused")
      return Response.json({ error: "FAILED_PRECONDITION", message: "no" }, { status: 422 });
    if (path === "/plain") return new Response("bad gateway", { status: 502 });
    return Response.json({ ok: true }, { status: 201 });
  },
});
afterAll(() => server.stop(true));
const at = (path: string) => `http://127.0.0.1:${server.port}${path}`;

test("the transfer pair is two distinct accounts of the pool", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 1000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (n, r1, r2) => {
        const draws = [r1, r2];
        const [from, to] = pickPair(n, () => draws.shift() as number);
        return from !== to && from >= 0 && to >= 0 && from < n && to < n;
      },
    ),
  );
});

test("gRPC errors are named by status", () => {
  expect(grpcErrorKind({ code: 14 })).toBe("grpc UNAVAILABLE");
  expect(grpcErrorKind({ code: 4 })).toBe("grpc DEADLINE_EXCEEDED");
  expect(grpcErrorKind({})).toBe("grpc code unknown");
});

test("HTTP outcomes: status plus the apps' error code, timeouts, refused connections", async () => {
  expect((await postJson(at("/ok"), {}, 1000)).outcome).toEqual({ ok: true });
  expect((await postJson(at("/refused"), {}, 1000)).outcome).toEqual({
    ok: false,
    kind: "http 422 FAILED_PRECONDITION",
  });
  expect((await postJson(at("/plain"), {}, 1000)).outcome).toEqual({
    ok: false,
    kind: "http 502",
  });
  expect((await postJson(at("/slow"), {}, 50)).outcome).toEqual({ ok: false, kind: "timeout" });
  const refused = await postJson("http://127.0.0.1:1/x", {}, 1000);
  expect(refused.outcome.ok).toBe(false);
  expect((refused.outcome as { kind: string }).kind).toStartWith("network ");
  expect(httpErrorKind(500, null)).toBe("http 500");
});

test("an app that does not answer /healthz is reported by name and address", async () => {
  await checkHttp("orchestrator", at(""));
  const failure = checkHttp("orchestrator", "http://127.0.0.1:1", 500);
  await expect(failure).rejects.toBeInstanceOf(UnreachableError);
  await expect(failure).rejects.toThrow(
    "orchestrator not reachable at http://127.0.0.1:1 — is `bun run dev` running?",
  );
});
