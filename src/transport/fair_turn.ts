/**
 * Fair turns for copy loops. Deno polls an async read or write once,
 * at once, when it is made: a copy loop whose source always has bytes
 * waiting and whose sink always has room never gives the event loop back
 * (every read and write completes on the spot, promise after promise), and
 * several such loops keep each other going. Until all of them wait, the
 * runtime does not ask the OS which other sockets became ready (no
 * epoll_wait). Measured: a router splicing 16 busy streams went up to 1 s
 * without asking, while an idle session's 61-byte driver call sat unread in its
 * socket.
 *
 * A copy loop calls `fairTurn()` after each chunk it moves. Once `SLICE_MS`
 * have passed since the last turn, the loops wait for the next one: a byte
 * sent to ourselves over a loopback connection (the self-pipe trick), whose
 * read cannot complete before the runtime has polled every socket. So every
 * connection that became ready meanwhile has its turn, and the loops go on
 * right after (a turn costs about 20-70 µs). A loop that waits here has already
 * written its chunk: a small stream loses nothing. Where no loopback
 * connection can be made, a timer does it (about 2 ms).
 *
 * @module
 */

/**
 * How long copy loops may run back to back before they let the event loop
 * turn. Measured with 16 leases streaming through one router on 2 cores: 2
 * ms let the event loop turn every 3.5 ms (p50; the loops resuming after a
 * turn move a chunk each before the next check), 0.5 ms every 1.2 ms, for
 * the same throughput; an idle session's call waits for two turns.
 */
export const SLICE_MS = 0.5;

/** When the event loop last turned for the copy loops. */
let lastTurn = 0;
/** The turn the copy loops wait for, while one is under way. */
let turn: Promise<void> | undefined;

/** The self-pipe: a byte written to `to` wakes a read of `from` after the next poll. */
interface Wake {
  to: Deno.Conn;
  from: Deno.Conn;
}
let wake: Promise<Wake | undefined> | undefined;
/** The self-pipe once open (closed when the last copy loop ends). */
let opened: Wake | undefined;
/** Copy loops running: the self-pipe lives while any does. */
let loops = 0;
const ONE = new Uint8Array(1);
const drained = new Uint8Array(64);

/** A loopback connection to ourselves, or undefined where none can be made. */
async function openWake(): Promise<Wake | undefined> {
  let listener: Deno.Listener | undefined;
  try {
    listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const to = await Deno.connect({
      hostname: "127.0.0.1",
      port: (listener.addr as Deno.NetAddr).port,
    });
    const port = (to.localAddr as Deno.NetAddr).port;
    // Anyone else connecting in the meantime is turned away (a few, then no pipe).
    for (let tries = 0; tries < 8; tries++) {
      const from = await listener.accept();
      if ((from.remoteAddr as Deno.NetAddr).port === port) {
        to.setNoDelay(true);
        return opened = { to, from };
      }
      from.close();
    }
    to.close();
    return undefined;
  } catch {
    return undefined;
  } finally {
    listener?.close();
  }
}

async function nextTurn(): Promise<void> {
  const pipe = await (wake ??= openWake());
  try {
    if (!pipe) throw new Error("no self-pipe");
    // The read goes first: it finds nothing, so only the poll can complete it.
    const reading = pipe.from.read(drained);
    reading.catch(() => {});
    await pipe.to.write(ONE);
    if (await reading === null) throw new Error("self-pipe closed");
  } catch {
    wake = Promise.resolve(undefined);
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    lastTurn = performance.now();
    turn = undefined;
  }
}

/** A copy loop begins (it calls `loopEnded()` when it ends). */
export function loopStarted(): void {
  loops++;
}

/** A copy loop ended; the last one closes the self-pipe (no socket is kept while idle). */
export function loopEnded(): void {
  if (--loops > 0) return;
  loops = 0;
  wake = undefined;
  const pipe = opened;
  opened = undefined;
  for (const conn of [pipe?.to, pipe?.from]) {
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}

/**
 * Undefined while the slice lasts; once `SLICE_MS` have passed since the
 * last turn, a promise that resolves after the event loop turned (and polled
 * every socket). Call it after each chunk a copy loop moved, between its
 * `loopStarted()` and `loopEnded()`.
 */
export function fairTurn(): Promise<void> | undefined {
  if (performance.now() - lastTurn < SLICE_MS) return undefined;
  return turn ??= nextTurn();
}
