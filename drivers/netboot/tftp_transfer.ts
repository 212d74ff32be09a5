/**
 * The two halves of a TFTP transfer, lock-step with retransmission on
 * timeout (RFC 1350), block numbers rolling over past 65535: `sendFile`
 * answers a read request, `receiveFile` a write request.
 *
 * @module
 */
import {
  ACK,
  ackPacket,
  DATA,
  ERROR,
  errorMessage,
  header,
  type Negotiated,
  oackPacket,
} from "./tftp_packet.ts";
import type { TftpPeer } from "./tftp_peer.ts";

/** Sends of one packet before a transfer gives up. */
const TRIES = 6;

/** A transfer that ended early: the client's error, or silence. */
export class TransferError extends Error {}

/** Blocks of `blksize` bytes from a file, read in large chunks; netascii converts line ends. */
async function* blocks(
  file: Deno.FsFile,
  blksize: number,
  netascii: boolean,
): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(Math.max(blksize, 1 << 20));
  let pending = new Uint8Array(0);
  while (true) {
    const read = await file.read(chunk);
    if (read === null) break;
    let data: Uint8Array = chunk.subarray(0, read);
    if (netascii) data = toNetascii(data);
    const joined = new Uint8Array(pending.byteLength + data.byteLength);
    joined.set(pending);
    joined.set(data, pending.byteLength);
    let offset = 0;
    for (; offset + blksize <= joined.byteLength; offset += blksize) {
      yield joined.slice(offset, offset + blksize);
    }
    pending = joined.slice(offset);
  }
  // The last block is shorter than blksize, possibly empty: that ends the transfer.
  yield pending;
}

/** LF to CR LF and CR to CR NUL (RFC 764's netascii). */
function toNetascii(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const byte of data) {
    if (byte === 0x0a) out.push(0x0d, 0x0a);
    else if (byte === 0x0d) out.push(0x0d, 0x00);
    else out.push(byte);
  }
  return new Uint8Array(out);
}

/**
 * Waits for the packet `accept` takes, resending `packet` on each timeout;
 * throws on the client's ERROR or after `TRIES` silent timeouts.
 */
async function exchange(
  peer: TftpPeer,
  packet: Uint8Array,
  timeout: number,
  accept: (opcode: number, block: number, received: Uint8Array) => boolean,
): Promise<Uint8Array> {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    peer.send(packet);
    const deadline = performance.now() + timeout;
    while (true) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      const received = await peer.receive(left);
      if (received === undefined) break;
      const { opcode, block } = header(received);
      if (opcode === ERROR) throw new TransferError(`client error: ${errorMessage(received)}`);
      if (accept(opcode, block, received)) return received;
    }
  }
  throw new TransferError(`no answer after ${TRIES} tries`);
}

/** Sends `file` to the client; returns the bytes sent. */
export async function sendFile(
  peer: TftpPeer,
  file: Deno.FsFile,
  options: Negotiated,
  netascii: boolean,
): Promise<number> {
  if (options.acknowledged.length > 0) {
    await exchange(
      peer,
      oackPacket(options.acknowledged),
      options.timeout,
      (op, block) => op === ACK && block === 0,
    );
  }
  let block = 0;
  let sent = 0;
  for await (const data of blocks(file, options.blksize, netascii)) {
    block = (block + 1) & 0xffff;
    const packet = new Uint8Array(4 + data.byteLength);
    packet[1] = DATA;
    packet[2] = block >> 8;
    packet[3] = block & 0xff;
    packet.set(data, 4);
    const want = block;
    // Duplicate ACKs of earlier blocks are ignored, never answered (the Sorcerer's Apprentice bug).
    await exchange(peer, packet, options.timeout, (op, acked) => op === ACK && acked === want);
    sent += data.byteLength;
  }
  return sent;
}

/** Receives a file from the client, handing each block to `write`; returns the bytes received. */
export async function receiveFile(
  peer: TftpPeer,
  options: Negotiated,
  write: (data: Uint8Array) => Promise<void>,
): Promise<number> {
  let reply = options.acknowledged.length > 0 ? oackPacket(options.acknowledged) : ackPacket(0);
  let expect = 1;
  let received = 0;
  while (true) {
    const want = expect;
    const packet = await exchange(peer, reply, options.timeout, (op, block) => {
      if (op !== DATA) return false;
      // A repeated block means our ACK was lost: answer it again at once.
      if (block === ((want - 1) & 0xffff)) peer.send(reply);
      return block === want;
    });
    const data = packet.subarray(4);
    await write(data);
    received += data.byteLength;
    reply = ackPacket(want);
    expect = (expect + 1) & 0xffff;
    if (data.byteLength < options.blksize) break;
  }
  await peer.sendLast(reply);
  return received;
}
