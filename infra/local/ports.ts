// Finds who holds a TCP port, so a clash is reported as "port 19092 is taken by java (pid 42)"
// instead of a service failing later with a log full of bind errors.
import { connect, createServer } from "node:net";

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** "java (pid 1234)" for the listener on `port`, or "another process" when ss can't tell. */
export function describeListener(port: number): string {
  const ss = Bun.spawnSync(["ss", "-Hltnp", `sport = :${port}`], { stderr: "ignore" });
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout.toString());
  return match ? `${match[1]} (pid ${match[2]})` : "another process";
}

/** A port that was free a moment ago (the kernel's pick), for tests that need several. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
