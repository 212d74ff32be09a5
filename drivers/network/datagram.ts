/**
 * UDP sockets for network drivers and forwarders: the socket family of a
 * host, and a socket connected to a target as a byte stream
 * (`connectUdp`), one chunk a datagram.
 *
 * @module
 */
import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import { UnavailableError } from "../../src/driver/errors.ts";
import { type DatagramDuplex, datagramDuplex } from "./datagram_duplex.ts";

/** The socket family for a host: udp6 for IPv6 literals, else udp4. */
export function udpFamily(host: string): "udp4" | "udp6" {
  return isIPv6(host.replace(/^\[|\]$/g, "")) ? "udp6" : "udp4";
}

/**
 * Opens a UDP socket connected to `host:port`: chunks written are sent as
 * datagrams, datagrams received are read as chunks. Cancelling the readable
 * side, aborting the writable side or calling `close()` closes the socket.
 */
export async function connectUdp(host: string, port: number): Promise<DatagramDuplex> {
  const socket = dgram.createSocket(udpFamily(host));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    socket.close();
    throw new UnavailableError(
      `Cannot open a UDP socket to ${host}:${port}: ${(error as Error).message}`,
    );
  }
  return datagramDuplex(socket, (chunk, done) => socket.send(chunk, done));
}
