/**
 * `TftpPeer`: the socket of one TFTP transfer, on its own port (its transfer
 * ID), talking to one client address and port. Packets from anyone else get
 * an "unknown transfer ID" error and are otherwise ignored (RFC 1350).
 *
 * @module
 */
import dgram from "node:dgram";
import { errorPacket, TftpErrorCode } from "./tftp_packet.ts";

/** One transfer's socket and its client. */
export class TftpPeer {
  readonly #socket: dgram.Socket;
  readonly #queue: Uint8Array[] = [];
  #waiter?: () => void;
  #closed = false;

  private constructor(
    socket: dgram.Socket,
    readonly address: string,
    readonly port: number,
  ) {
    this.#socket = socket;
    socket.on("message", (message: Uint8Array, from: dgram.RemoteInfo) => {
      if (from.address !== address || from.port !== port) {
        socket.send(
          errorPacket(TftpErrorCode.unknownTransfer, "Unknown transfer ID"),
          from.port,
          from.address,
        );
        return;
      }
      if (this.#queue.length < 64) this.#queue.push(message);
      this.#waiter?.();
    });
    socket.on("error", () => this.close());
  }

  /** A socket on `host`, any free port, for the client at `address:port`. */
  static async open(host: string, address: string, port: number): Promise<TftpPeer> {
    const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new TftpPeer(socket, address, port);
  }

  /** Sends one packet to the client. */
  send(packet: Uint8Array): void {
    if (!this.#closed) this.#socket.send(packet, this.port, this.address);
  }

  /** Sends one last packet (an error, a final ACK) and resolves once it has left. */
  sendLast(packet: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) =>
      this.#socket.send(packet, this.port, this.address, () => resolve())
    );
  }

  /** The next packet from the client, or `undefined` after `ms` without one (or when closed). */
  async receive(ms: number): Promise<Uint8Array | undefined> {
    if (this.#queue.length > 0) return this.#queue.shift();
    if (this.#closed) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#waiter = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.#waiter = undefined;
    return this.#queue.shift();
  }

  /** Closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiter?.();
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}
