/**
 * TFTP packets (RFC 1350) and option negotiation (RFC 2347: OACK; RFC 2348:
 * `blksize`; RFC 2349: `timeout` and `tsize`): parsing a request and
 * building the packets a server sends.
 *
 * @module
 */

export const RRQ = 1;
export const WRQ = 2;
export const DATA = 3;
export const ACK = 4;
export const ERROR = 5;
export const OACK = 6;

/** TFTP error codes (RFC 1350, RFC 2347). */
export const TftpErrorCode = {
  undefined: 0,
  notFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTransfer: 5,
  fileExists: 6,
  badOption: 8,
} as const;

/** A read or write request. */
export interface TftpRequest {
  opcode: typeof RRQ | typeof WRQ;
  filename: string;
  mode: "octet" | "netascii";
  /** Options as sent, names lower-cased. */
  options: Map<string, string>;
}

/** What the server agreed to, and the OACK that says so (empty: no OACK). */
export interface Negotiated {
  blksize: number;
  /** Milliseconds before a retransmission. */
  timeout: number;
  /** The size the client announced in a write request's `tsize`. */
  tsize?: number;
  /** Options to acknowledge, in order. */
  acknowledged: [string, string][];
}

const decoder = new TextDecoder("latin1");

/** Parses a request packet, or throws a `RangeError` saying what is wrong with it. */
export function parseRequest(packet: Uint8Array): TftpRequest {
  if (packet.byteLength < 4) throw new RangeError("request too short");
  const opcode = (packet[0] << 8) | packet[1];
  if (opcode !== RRQ && opcode !== WRQ) throw new RangeError(`opcode ${opcode} is not a request`);
  const fields: string[] = [];
  let start = 2;
  for (let i = 2; i < packet.byteLength; i++) {
    if (packet[i] === 0) {
      fields.push(decoder.decode(packet.subarray(start, i)));
      start = i + 1;
    }
  }
  if (start !== packet.byteLength) throw new RangeError("request fields are not NUL-terminated");
  if (fields.length < 2 || fields.length % 2 !== 0) throw new RangeError("malformed request");
  const mode = fields[1].toLowerCase();
  if (mode !== "octet" && mode !== "netascii") {
    throw new RangeError(`transfer mode "${fields[1]}" is not supported (octet or netascii)`);
  }
  const options = new Map<string, string>();
  for (let i = 2; i < fields.length; i += 2) options.set(fields[i].toLowerCase(), fields[i + 1]);
  return { opcode, filename: fields[0], mode, options };
}

/** Agrees to the options this server knows, within their RFC ranges; ignores the rest. */
export function negotiate(
  request: TftpRequest,
  size: number | undefined,
  defaultTimeout: number,
): Negotiated {
  const result: Negotiated = { blksize: 512, timeout: defaultTimeout, acknowledged: [] };
  const blksize = request.options.get("blksize");
  if (blksize !== undefined && /^\d+$/.test(blksize)) {
    const value = Math.min(Number(blksize), 65464);
    if (value >= 8) {
      result.blksize = value;
      result.acknowledged.push(["blksize", String(value)]);
    }
  }
  const timeout = request.options.get("timeout");
  if (timeout !== undefined && /^\d+$/.test(timeout)) {
    const value = Number(timeout);
    if (value >= 1 && value <= 255) {
      result.timeout = value * 1000;
      result.acknowledged.push(["timeout", String(value)]);
    }
  }
  const tsize = request.options.get("tsize");
  if (tsize !== undefined && /^\d+$/.test(tsize)) {
    if (request.opcode === WRQ) {
      result.tsize = Number(tsize);
      result.acknowledged.push(["tsize", tsize]);
    } else if (size !== undefined) {
      result.acknowledged.push(["tsize", String(size)]);
    }
  }
  return result;
}

/** An OACK packet. */
export function oackPacket(options: [string, string][]): Uint8Array {
  const text = options.map(([k, v]) => `${k}\0${v}\0`).join("");
  const packet = new Uint8Array(2 + text.length);
  packet[1] = OACK;
  for (let i = 0; i < text.length; i++) packet[2 + i] = text.charCodeAt(i) & 0xff;
  return packet;
}

/** An ACK packet for `block`. */
export function ackPacket(block: number): Uint8Array {
  return new Uint8Array([0, ACK, (block >> 8) & 0xff, block & 0xff]);
}

/** An ERROR packet. */
export function errorPacket(code: number, message: string): Uint8Array {
  const text = message.slice(0, 200);
  const packet = new Uint8Array(5 + text.length);
  packet[1] = ERROR;
  packet[3] = code;
  for (let i = 0; i < text.length; i++) packet[4 + i] = text.charCodeAt(i) & 0x7f;
  return packet;
}

/** The opcode and block number (or error code) of a packet. */
export function header(packet: Uint8Array): { opcode: number; block: number } {
  if (packet.byteLength < 4) return { opcode: -1, block: -1 };
  return { opcode: (packet[0] << 8) | packet[1], block: (packet[2] << 8) | packet[3] };
}

/** The message of an ERROR packet. */
export function errorMessage(packet: Uint8Array): string {
  const end = packet.indexOf(0, 4);
  return decoder.decode(packet.subarray(4, end < 0 ? packet.byteLength : end));
}
