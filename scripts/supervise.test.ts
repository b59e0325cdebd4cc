// The restart loop of `bun run dev` over real child processes (test/infra/dev.test.ts kills a
// real app under `bun run dev`).
import { expect, test } from "bun:test";
import type { AppProcess } from "./app-process.ts";
import { restartDelayMs, supervise } from "./supervise.ts";

function child(script: string): AppProcess {
  return {
    name: "adder",
    label: "adder",
    proc: Bun.spawn(["sh", "-c", script], { stdin: "ignore", stdout: "pipe", stderr: "pipe" }),
  };
}

test("backoff: 1 s, doubling while the app keeps dying soon after its start, at most 30 s", () => {
  expect([1, 2, 3, 4, 5, 6, 9].map(restartDelayMs)).toEqual([
    1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
  ]);
});

test("a process killed by a signal is started again after 1 s, and the log says so", async () => {
  const lines: string[] = [];
  let starts = 0;
  const app = supervise(
    () => {
      starts++;
      return child("sleep 30");
    },
    (line) => lines.push(line),
  );
  const first = app.current();
  first.proc.kill("SIGKILL");
  await first.proc.exited;
  await Bun.sleep(1_300);
  expect(starts).toBe(2);
  expect(app.current()).not.toBe(first);
  expect(app.current().proc.exitCode).toBeNull();
  expect(lines).toEqual(["dev: adder exited (SIGKILL); restarting in 1 s"]);
  app.release();
  app.current().proc.kill();
});

test("a clean exit, or one after release(), is not restarted", async () => {
  let starts = 0;
  const clean = supervise(() => {
    starts++;
    return child("exit 0");
  });
  await clean.current().proc.exited;
  const released = supervise(() => {
    starts++;
    return child("sleep 30");
  });
  released.release();
  released.current().proc.kill("SIGKILL");
  await released.current().proc.exited;
  await Bun.sleep(1_300);
  expect(starts).toBe(2);
});
