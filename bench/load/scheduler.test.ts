import { expect, test } from "bun:test";
import { OpenLoop, slotsDue, slotTime } from "./scheduler.ts";

test("slots fall due at rate per second and stop at the end of the run", () => {
  expect(slotsDue(0, 100, 1000)).toBe(0);
  expect(slotsDue(9, 100, 1000)).toBe(0);
  expect(slotsDue(10, 100, 1000)).toBe(1);
  expect(slotsDue(505, 100, 1000)).toBe(50);
  expect(slotsDue(5000, 100, 1000)).toBe(100);
  // Fractional per-flow rates (e.g. 5/s split over two flows) still add up over time.
  expect(slotsDue(10_000, 2.5, 60_000)).toBe(25);
  expect(slotTime(0, 100)).toBe(10);
  expect(slotTime(99, 100)).toBe(1000);
});

test("the loop is open: a late tick sends everything that fell due, at its due times", () => {
  const loop = new OpenLoop(100, 1000, 5000, 1000, () => 0);
  const skip = () => {
    throw new Error("nothing should be skipped");
  };
  expect(loop.take(5000, skip)).toEqual([]);
  expect(loop.take(5010, skip)).toEqual([{ index: 0, dueAt: 5010 }]);
  // The generator stalled for 200 ms: the 20 requests due meanwhile go out now, none lost.
  const burst = loop.take(5210, skip);
  expect(burst.map((s) => s.index)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  expect(burst.at(-1)?.dueAt).toBe(5210);
  expect(loop.done).toBe(false);
  expect(loop.take(9999, skip)).toHaveLength(79);
  expect(loop.done).toBe(true);
  expect(loop.take(20_000, skip)).toEqual([]);
});

test("slots due while the cap is reached are skipped, not queued", () => {
  let inFlight = 0;
  let skipped = 0;
  const loop = new OpenLoop(1000, 1000, 0, 3, () => inFlight);
  // 10 due, room for 3.
  expect(loop.take(10, () => skipped++)).toHaveLength(3);
  expect(skipped).toBe(7);
  inFlight = 3;
  expect(loop.take(20, () => skipped++)).toHaveLength(0);
  expect(skipped).toBe(17);
  // Room again: only what is newly due is sent, the skipped slots are not replayed.
  inFlight = 1;
  const slots = loop.take(22, () => skipped++);
  expect(slots.map((s) => s.index)).toEqual([20, 21]);
  expect(skipped).toBe(17);
});
