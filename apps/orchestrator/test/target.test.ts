import { describe, expect, test } from "bun:test";
import { channelTarget, TargetError } from "../src/target.ts";

describe("channelTarget", () => {
  test("one address and resolver targets are used as they are", () => {
    expect(channelTarget("127.0.0.1:50053")).toBe("127.0.0.1:50053");
    expect(channelTarget("ledger:50053")).toBe("ledger:50053");
    expect(channelTarget("dns:///ledger-grpc:50053")).toBe("dns:///ledger-grpc:50053");
    expect(channelTarget("ipv4:10.0.0.1:1,10.0.0.2:1")).toBe("ipv4:10.0.0.1:1,10.0.0.2:1");
  });

  test("a list of addresses becomes an ipv4: or ipv6: target (localhost is 127.0.0.1)", () => {
    expect(channelTarget("127.0.0.1:50053, localhost:50063")).toBe(
      "ipv4:127.0.0.1:50053,127.0.0.1:50063",
    );
    expect(channelTarget("[::1]:50053,[::1]:50063")).toBe("ipv6:[::1]:50053,[::1]:50063");
  });

  test("a list with host names or mixed families is refused, saying what to use", () => {
    expect(() => channelTarget("ledger-0:50053,ledger-1:50053")).toThrow(TargetError);
    expect(() => channelTarget("127.0.0.1:1,[::1]:2")).toThrow(/dns:\/\/\//);
  });
});
