/**
 * Carries one local socket connection through a router stream: the bytes of
 * the socket become DATA frames, and frames from the peer are written back.
 * Each direction's end of data is a GOAWAY that half-closes the other end;
 * the stream ends when the router ends the call (both directions done).
 * Client tunnels and exporters in distributed mode both use it.
 *
 * @module
 */
import { type Client, createClient } from "@connectrpc/connect";
import { FrameType, RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import { controllerTransport, type TlsTrust } from "./controller_transport.ts";
import { type Frame, GOAWAY_FRAME } from "./frames.ts";
import { writeAll } from "../driver/write_all.ts";

async function* framesOf(conn: Deno.Conn, stop: AbortSignal): AsyncGenerator<Frame> {
  const buffer = new Uint8Array(256 * 1024);
  while (!stop.aborted) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      break;
    }
    if (n === null) break;
    yield { payload: buffer.slice(0, n), frameType: FrameType.DATA };
  }
  yield GOAWAY_FRAME;
}

/** Splices `conn` with a router stream opened with `token`; resolves when both ends are done. */
export async function spliceToRouter(
  conn: Deno.Conn,
  router: Client<typeof RouterService>,
  token: string,
  signal?: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  try {
    const responses = router.stream(framesOf(conn, combined), {
      headers: { authorization: `Bearer ${token}` },
      signal: combined,
    });
    let open = true;
    for await (const frame of responses) {
      if (frame.frameType === FrameType.DATA) {
        if (open && frame.payload.byteLength > 0) await writeAll(conn, frame.payload);
      } else if (frame.frameType === FrameType.GOAWAY) {
        // The peer's end of data: half-close, and keep sending ours until it ends.
        if (open) await conn.closeWrite().catch(() => {});
        open = false;
      } else if (frame.frameType === FrameType.RST_STREAM) {
        break;
      }
    }
  } finally {
    stop.abort();
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

/** RouterService clients by the endpoint a controller named, one connection each. */
export class RouterClients {
  readonly #clients = new Map<string, { router: Client<typeof RouterService>; close(): void }>();

  /** `tls`: what TLS endpoints are trusted with (a config's `tls` section). */
  constructor(readonly tls?: TlsTrust) {}

  get(endpoint: string): Client<typeof RouterService> {
    let entry = this.#clients.get(endpoint);
    if (!entry) {
      const made = controllerTransport(endpoint, { tls: this.tls });
      entry = { router: createClient(RouterService, made.transport), close: made.close };
      this.#clients.set(endpoint, entry);
    }
    return entry.router;
  }

  close(): void {
    for (const entry of this.#clients.values()) entry.close();
    this.#clients.clear();
  }
}
