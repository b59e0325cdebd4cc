// What LEDGER_ADDR / ACCOUNTS_ADDR may say, as a grpc-js channel target. One address
// (`127.0.0.1:50053`) or a resolver target (`dns:///ledger-grpc:50053`: a headless Service,
// every ready pod) is used as it is. A comma-separated list (`127.0.0.1:50053,127.0.0.1:50063`,
// what `bun run dev --replicas N` passes) becomes an `ipv4:` (or `ipv6:`) target: grpc-js has
// no other static resolver of several addresses, and those take IP literals only.

const IP_SCHEME = /^ipv[46]:/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}:\d+$/;
const IPV6 = /^\[[0-9a-f:.]+\]:\d+$/i;

export class TargetError extends Error {}

export function channelTarget(addr: string): string {
  const trimmed = addr.trim();
  if (!trimmed.includes(",")) return trimmed;
  if (IP_SCHEME.test(trimmed)) return trimmed;
  const addresses = trimmed
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => (a.startsWith("localhost:") ? `127.0.0.1:${a.slice("localhost:".length)}` : a));
  if (addresses.every((a) => IPV4.test(a))) return `ipv4:${addresses.join(",")}`;
  if (addresses.every((a) => IPV6.test(a))) return `ipv6:${addresses.join(",")}`;
  throw new TargetError(
    `${addr}: a list of addresses takes IP literals with ports, all IPv4 or all IPv6 (for host names, use one dns:/// name that resolves to all of them)`,
  );
}
