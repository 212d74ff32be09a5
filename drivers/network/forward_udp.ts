/**
 * Port forwarding of UDP on the client host: each sending peer of a local
 * UDP port gets its own byte stream to a network driver, and what comes back
 * on it is sent to that peer.
 *
 * @module
 */
import dgram from "node:dgram";
import { udpFamily } from "./datagram.ts";
import type { Forwarder, ForwardOptions, StreamOpener } from "./forwarder.ts";
import { hostPort } from "./host_port.ts";
import { UdpPeer } from "./udp_peer.ts";

/** Options of `forwardUdp`. */
export interface UdpForwardOptions extends ForwardOptions {
  /** A peer silent this long (ms) loses its stream (default 60000). */
  idleTimeout?: number;
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
    address: hostPort(bound.address, bound.port),
    port: bound.port,
    get active() {
      return peers.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
