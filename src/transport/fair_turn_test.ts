import assert from "node:assert/strict";
import { fairTurn, loopEnded, loopStarted, SLICE_MS } from "./fair_turn.ts";

/** A connected loopback TCP pair. */
async function tcpPair(): Promise<[Deno.Conn, Deno.Conn]> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  return await Promise.all([Deno.connect({ hostname: "127.0.0.1", port }), listener.accept()]);
}

/**
 * Right after a turn, a new slice: `fairTurn()` is undefined. The slice is
 * short (half a millisecond), so a busy machine may use it up before the
 * check runs: a few tries.
 */
async function newSliceAfterTurn(): Promise<boolean> {
  for (let tries = 0; tries < 5; tries++) {
    await fairTurn();
    if (fairTurn() === undefined) return true;
  }
  return false;
}

/** Runs without yielding for `ms`: a copy loop whose every read and write completes at once. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* the eager I/O a busy splice does */ }
}

Deno.test("fairTurn() waits out a slice of busy copying, and then lets a ready socket in first", async () => {
  const [a, b] = await tcpPair();
  loopStarted();
  try {
    // Within the slice, no turn.
    assert.ok(await newSliceAfterTurn(), "a turn begins a new slice");
    // A socket that became ready while the loops ran: its read completes only when the runtime polls.
    const order: string[] = [];
    const reading = b.read(new Uint8Array(16)).then((n) => order.push(`read ${n}`));
    await a.write(new Uint8Array([1, 2, 3]));
    busy(SLICE_MS + 1);
    const turn = fairTurn();
    assert.ok(turn, "a slice used up asks for a turn");
    assert.equal(fairTurn(), turn, "every loop waits for the same turn");
    await turn;
    order.push("turn");
    await reading;
    assert.deepEqual(order, ["read 3", "turn"]);
    // A new slice begins after the turn.
    assert.ok(await newSliceAfterTurn(), "a turn begins a new slice");
  } finally {
    loopEnded();
    a.close();
    b.close();
  }
  // The last loop's end closed the self-pipe (the resource sanitizer checks that nothing is left).
});
