/**
 * Port forwarding on the client host: a local listener (TCP, unix socket or
 * UDP) whose every connection gets its own byte stream to a network driver,
 * so connections run side by side and ending one leaves the others alone.
 *
 * @module
 */
import dgram from "node:dgram";
import type { Duplex } from "../../src/driver/stream.ts";
import { connDuplex } from "../../src/transport/conn_duplex.ts";
import { GIVE_UP_WHOLE } from "../../src/transport/conn_duplex_options.ts";
import { udpFamily } from "./datagram.ts";

/** Opens one byte stream to the target (a network driver's `connect`). */
export type StreamOpener = () => Promise<Duplex>;

/** Options shared by the forwarders. */
export interface ForwardOptions {
  /** Called when one forwarded connection fails (the target refused, a reset...). */
  onError?: (error: unknown) => void;
}

/** A running forwarder; `await using` (or `close()`) stops it and its connections. */
export interface Forwarder extends AsyncDisposable {
  /** Where it listens: `127.0.0.1:2222`, `[::1]:2222` or a socket path. */
  readonly address: string;
  /** The local TCP/UDP port (0 for a unix socket). */
  readonly port: number;
  /** Connections (UDP: peers) being forwarded now. */
  readonly active: number;
  close(): Promise<void>;
}

/**
 * Copies between a local connection and a stream in both directions,
 * passing half-closes through. Resolves when both directions are done;
 * rejects with the first failure after tearing both down.
 */
export async function bridge(local: Duplex & { close(): void }, remote: Duplex): Promise<void> {
  const up = local.readable.pipeTo(remote.writable);
  const down = remote.readable.pipeTo(local.writable);
  const [sent, received] = await Promise.allSettled([up, down]);
  if (received.status === "rejected") {
    local.close();
    await remote.readable.cancel().catch(() => {});
    throw received.reason;
  }
  if (sent.status === "rejected") {
    local.close();
    throw sent.reason;
  }
}

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

/** host:port with IPv6 literals bracketed. */
function formatAddress(address: Deno.NetAddr): string {
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
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
  return new StreamForwarder(listener, formatAddress(address), address.port, open, options);
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

/** Options of `forwardUdp`. */
export interface UdpForwardOptions extends ForwardOptions {
  /** A peer silent this long (ms) loses its stream (default 60000). */
  idleTimeout?: number;
}

/** One UDP peer of a forwarder and its stream; ends after a silence. */
class UdpPeer {
  readonly done: Promise<void>;
  readonly #writer: Promise<WritableStreamDefaultWriter<Uint8Array>>;
  readonly #reader: Promise<ReadableStreamDefaultReader<Uint8Array>>;
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  constructor(
    open: StreamOpener,
    readonly idle: number,
    reply: (datagram: Uint8Array) => void,
    readonly onEnd: () => void,
    readonly onError: (error: unknown) => void,
  ) {
    const stream = open();
    this.#writer = stream.then((s) => s.writable.getWriter());
    this.#writer.catch(() => {});
    const reader = this.#reader = stream.then((s) => s.readable.getReader());
    this.done = (async () => {
      try {
        const replies = await reader;
        while (true) {
          const { value, done } = await replies.read();
          if (done) break;
          reply(value);
          this.#touch();
        }
      } catch (error) {
        if (!this.#stopped) onError(error);
      } finally {
        this.stop();
      }
    })();
    this.#touch();
  }

  /** Sends one datagram from the peer down its stream. */
  send(datagram: Uint8Array): void {
    this.#touch();
    this.#writer.then((w) => w.write(datagram)).catch((error) => {
      if (!this.#stopped) this.onError(error);
    });
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#reader.then((r) => r.cancel()).catch(() => {});
    this.#writer.then((w) => w.close()).catch(() => {});
    this.onEnd();
  }

  #touch(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.stop(), this.idle);
  }
}

/**
 * Forwards UDP datagrams arriving at `host:port`: each sending peer
 * (address and port) gets its own stream, and what comes back on it is
 * sent to that peer. A peer's stream ends after `idleTimeout` of silence.
 */
export async function forwardUdp(
  open: StreamOpener,
  port: number,
  host = "127.0.0.1",
  options: UdpForwardOptions = {},
): Promise<Forwarder> {
  const socket = dgram.createSocket(udpFamily(host));
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const idle = options.idleTimeout ?? 60_000;
  const onError = (error: unknown) => options.onError?.(error);
  const peers = new Map<string, UdpPeer>();
  let closed = false;

  socket.on("message", (message: Uint8Array, from: dgram.RemoteInfo) => {
    if (closed) return;
    const key = `${from.address}:${from.port}`;
    let peer = peers.get(key);
    if (!peer) {
      const created: UdpPeer = new UdpPeer(
        open,
        idle,
        (datagram) => socket.send(datagram, from.port, from.address),
        () => {
          if (peers.get(key) === created) peers.delete(key);
        },
        onError,
      );
      peers.set(key, peer = created);
    }
    peer.send(new Uint8Array(message));
  });
  // Errors of the shared socket concern one datagram; keep serving.
  socket.on("error", (error) => {
    if (!closed) onError(error);
  });

  const bound = socket.address();
  const close = async () => {
    if (closed) return;
    closed = true;
    const all = [...peers.values()];
    for (const peer of all) peer.stop();
    await Promise.allSettled(all.map((p) => p.done));
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  };
  return {
    address: formatAddress({ transport: "udp", hostname: bound.address, port: bound.port }),
    port: bound.port,
    get active() {
      return peers.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
