// Keeps the kernel from handing our listening ports out as the local end of outgoing
// connections. Linux picks those from 32768–60999, which holds the apps' gRPC ports
// (50051–50056, and their replicas' 50061–50066 … 50141–50146), the benchmarks' (50151–50156,
// 50251–50256) and PostgreSQL's 55432: during
// the benchmarks, with thousands of short connections, an app's restart failed about one CI
// run in two with EADDRINUSE because some client socket happened to own its port.
// ip_local_reserved_ports excludes them from that pool and nothing else; it needs root, and
// where it cannot be written (not root, read-only /proc in a container) nothing changes.
import { readFileSync, writeFileSync } from "node:fs";
import { APPS, MAX_REPLICAS, REPLICA_PORT_STEP } from "../../lib/service/src/apps.ts";
import { PORTS } from "./config.ts";

const SYSCTL = "/proc/sys/net/ipv4/ip_local_reserved_ports";

const grpcPorts = Object.values(APPS).map((app) => app.grpcPort);
const [first, last] = [Math.min(...grpcPorts), Math.max(...grpcPorts)];
const replicaShifts = Array.from({ length: MAX_REPLICAS }, (_, k) => k * REPLICA_PORT_STEP);
/**
 * The apps' gRPC ports (from the app registry) for every replica, the same range 100 and 200
 * higher (where the gRPC benchmark and the load test run their apps), and PostgreSQL's.
 */
export const RESERVED = [...replicaShifts, 100, 200]
  .map((shift) => `${first + shift}-${last + shift}`)
  .concat(String(PORTS.postgres));

/** Adds RESERVED to the kernel's reserved list; true when they are (now) reserved. */
export function reserveListeningPorts(): boolean {
  try {
    const current = readFileSync(SYSCTL, "utf8").trim();
    const have = new Set(current ? current.split(",") : []);
    const missing = RESERVED.filter((range) => !have.has(range));
    if (missing.length === 0) return true;
    writeFileSync(SYSCTL, [...have, ...missing].join(","));
    return true;
  } catch {
    return false;
  }
}
