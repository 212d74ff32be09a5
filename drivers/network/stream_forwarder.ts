/**
 * Port forwarding of stream listeners on the client host (TCP and unix
 * sockets): every accepted connection gets its own byte stream to a network
 * driver, so connections run side by side and ending one leaves the others
 * alone.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";
import { connDuplex } from "../../src/transport/conn_duplex.ts";
import { GIVE_UP_WHOLE } from "../../src/transport/conn_duplex_options.ts";
import { bridge } from "./bridge.ts";
import type { Forwarder, ForwardOptions, StreamOpener } from "./forwarder.ts";
import { hostPort } from "./host_port.ts";

/** Listens on a stream listener and forwards each accepted connection. */
class StreamForwarder implements Forwarder {
  readonly #handlers = new Set<Promise<void>>();
  readonly #live = new Set<() => void>();
  readonly #accepting: Promise<void>;
  #closed = false;

  constructor(
    readonly listener: Deno.Listener,
    readonly address: string,
    readonly port: number,
    readonly open: StreamOpener,
    readonly options: ForwardOptions,
    readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.#accepting = this.#accept();
  }

  get active(): number {
    return this.#live.size;
  }

  async #accept(): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.listener.accept();
      } catch (error) {
        if (!this.#closed) this.options.onError?.(error);
        return;
      }
      if (conn.remoteAddr.transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
      const handler = this.#forward(conn);
      this.#handlers.add(handler);
      handler.finally(() => this.#handlers.delete(handler));
    }
  }

  async #forward(conn: Deno.Conn): Promise<void> {
    const local = connDuplex(conn, GIVE_UP_WHOLE);
    let remote: Duplex | undefined;
    const stop = () => {
      local.close();
      remote?.readable.cancel().catch(() => {});
    };
    this.#live.add(stop);
    try {
      remote = await this.open();
      await bridge(local, remote);
    } catch (error) {
      local.close();
      if (!this.#closed) this.options.onError?.(error);
    } finally {
      this.#live.delete(stop);
      await local.closed;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.listener.close();
    await this.#accepting;
    for (const stop of [...this.#live]) stop();
    await Promise.allSettled([...this.#handlers]);
    await this.onClose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Forwards TCP connections to `host:port` (port 0: any free port) through `open`. */
export function forwardTcp(
  open: StreamOpener,
  port: number,
  host = "127.0.0.1",
  options: ForwardOptions = {},
): Forwarder {
  const listener = Deno.listen({ hostname: host, port });
  const address = listener.addr as Deno.NetAddr;
  return new StreamForwarder(
    listener,
    hostPort(address.hostname, address.port),
    address.port,
    open,
    options,
  );
}

/** Forwards connections to a unix socket at `path` through `open`; removes it on close. */
export function forwardUnix(
  open: StreamOpener,
  path: string,
  options: ForwardOptions = {},
): Forwarder {
  const listener = Deno.listen({ transport: "unix", path });
  return new StreamForwarder(
    listener,
    path,
    0,
    open,
    options,
    () => Deno.remove(path).catch(() => {}),
  );
}
