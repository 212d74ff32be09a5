/**
 * `TftpServer`: a TFTP server (RFC 1350 with options, RFC 2347-2349) on one
 * UDP address, serving a `FileRoot`. Reads always; writes only when enabled,
 * each bounded in size. Each transfer runs on its own port; at most
 * `maxTransfers` run at once.
 *
 * @module
 */
import dgram from "node:dgram";
import type { Logger } from "../../src/log.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { BadNameError, type FileRoot } from "./file_root.ts";
import {
  errorPacket,
  negotiate,
  parseRequest,
  RRQ,
  TftpErrorCode,
  type TftpRequest,
} from "./tftp_packet.ts";
import { TftpPeer } from "./tftp_peer.ts";
import { receiveFile, sendFile } from "./tftp_transfer.ts";

/** How a `TftpServer` serves. */
export interface TftpServerOptions {
  host: string;
  port: number;
  /** Accept write requests. */
  writable: boolean;
  /** Largest file a write may store, in bytes. */
  maxWriteSize: number;
  /** Milliseconds before a retransmission unless the client's `timeout` option says otherwise. */
  timeout: number;
  maxTransfers: number;
}

/** A running TFTP server. */
export class TftpServer {
  readonly #socket: dgram.Socket;
  readonly #active = new Map<string, Promise<void>>();
  readonly #peers = new Set<TftpPeer>();
  /** Transfers completed since start. */
  transfers = 0;

  private constructor(
    socket: dgram.Socket,
    readonly root: FileRoot,
    readonly options: TftpServerOptions,
    readonly log: Logger,
  ) {
    this.#socket = socket;
    socket.on(
      "message",
      (message: Uint8Array, from: dgram.RemoteInfo) => this.#request(message, from),
    );
  }

  /** Binds `options.host:options.port` and starts serving `root`. */
  static async start(root: FileRoot, options: TftpServerOptions, log: Logger): Promise<TftpServer> {
    const socket = dgram.createSocket(options.host.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(options.port, options.host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new TftpServer(socket, root, options, log);
  }

  /** The port bound (the configured one, or the one chosen for port 0). */
  get port(): number {
    return this.#socket.address().port;
  }

  /** Stops listening and ends the transfers in progress. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    for (const peer of this.#peers) peer.close();
    await Promise.allSettled(this.#active.values());
  }

  #request(message: Uint8Array, from: dgram.RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    // A client resends its request when our first answer is late: one transfer per client port.
    if (this.#active.has(key)) return;
    const reply = (code: number, text: string) =>
      this.#socket.send(errorPacket(code, text), from.port, from.address);
    if (message.byteLength > 1024) return reply(TftpErrorCode.illegalOperation, "Request too long");
    let request: TftpRequest;
    try {
      request = parseRequest(message);
    } catch (error) {
      return reply(TftpErrorCode.illegalOperation, messageOf(error));
    }
    if (this.#active.size >= this.options.maxTransfers) {
      return reply(TftpErrorCode.undefined, "Server busy, try again later");
    }
    const transfer = this.#transfer(request, from.address, from.port)
      .catch((error) =>
        this.log.warning(`tftp ${request.filename} for ${key}: ${messageOf(error)}`)
      )
      .finally(() => this.#active.delete(key));
    this.#active.set(key, transfer);
  }

  async #transfer(request: TftpRequest, address: string, port: number): Promise<void> {
    const peer = await TftpPeer.open(this.options.host, address, port);
    this.#peers.add(peer);
    try {
      if (request.opcode === RRQ) await this.#read(peer, request);
      else await this.#write(peer, request);
      this.transfers++;
    } catch (error) {
      const code = error instanceof BadNameError
        ? TftpErrorCode.accessViolation
        : error instanceof Deno.errors.NotFound
        ? TftpErrorCode.notFound
        : error instanceof RangeError
        ? TftpErrorCode.diskFull
        : undefined;
      if (code !== undefined) {
        await peer.sendLast(
          errorPacket(code, code === TftpErrorCode.notFound ? "File not found" : messageOf(error)),
        );
      }
      throw error;
    } finally {
      this.#peers.delete(peer);
      peer.close();
    }
  }

  async #read(peer: TftpPeer, request: TftpRequest): Promise<void> {
    const found = await this.root.file(request.filename);
    using file = await Deno.open(found.path, { read: true });
    const netascii = request.mode === "netascii";
    const options = negotiate(request, netascii ? undefined : found.size, this.options.timeout);
    const started = performance.now();
    const sent = await sendFile(peer, file, options, netascii);
    this.log.debug(
      `tftp sent ${request.filename} (${sent} bytes, blksize ${options.blksize}) to ${peer.address} in ${
        ((performance.now() - started) / 1000).toFixed(2)
      } s`,
    );
  }

  async #write(peer: TftpPeer, request: TftpRequest): Promise<void> {
    if (!this.options.writable) {
      throw new BadNameError(
        request.filename,
        "this server does not accept writes (writable: false)",
      );
    }
    const options = negotiate(request, undefined, this.options.timeout);
    const limit = this.options.maxWriteSize;
    if (options.tsize !== undefined && options.tsize > limit) {
      throw new RangeError(`File too large: this server accepts at most ${limit} bytes`);
    }
    const upload = await this.root.create(request.filename);
    try {
      const ascii = request.mode === "netascii" ? new NetasciiDecoder() : undefined;
      await receiveFile(peer, options, async (data) => {
        if (upload.size + data.byteLength > limit) {
          throw new RangeError(`File too large: this server accepts at most ${limit} bytes`);
        }
        await upload.write(ascii ? ascii.decode(data) : data);
      });
      const result = await upload.commit();
      this.log.info(`tftp stored ${result.name} (${result.size} bytes) from ${peer.address}`);
    } catch (error) {
      await upload.abort();
      throw error;
    }
  }
}

/** Netascii to local line ends (CR LF to LF, CR NUL to CR), across block boundaries. */
class NetasciiDecoder {
  #cr = false;

  decode(data: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const byte of data) {
      if (this.#cr) {
        this.#cr = false;
        if (byte === 0x0a) out.push(0x0a);
        else if (byte === 0x00) out.push(0x0d);
        else out.push(0x0d, byte);
      } else if (byte === 0x0d) this.#cr = true;
      else out.push(byte);
    }
    return new Uint8Array(out);
  }
}
