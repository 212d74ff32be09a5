/**
 * SNMPv3 AES privacy (RFC 3826, AES-128 in CFB-128 mode) for `net-snmp`
 * under Deno: `net-snmp` asks `node:crypto` for `aes-128-cfb`, which Deno's
 * `node:crypto` lacks, so the cipher is built here from `aes-128-ecb`
 * (CFB encrypts the previous cipher block and XORs it with the data).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import crypto from "node:crypto";
import snmp from "net-snmp";

const BLOCK = 16;

/** One AES-128 block encryption (the CFB keystream step). */
function encryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = crypto.createCipheriv("aes-128-ecb", key, null);
  cipher.setAutoPadding(false);
  return cipher.update(block);
}

/**
 * AES-128-CFB over `data` with `iv`: encrypts when `encrypt`, decrypts
 * otherwise (the feedback is always the cipher text).
 *
 * @example
 * ```ts
 * import { aesCfb } from "./snmp_aes.ts";
 * import assert from "node:assert/strict";
 *
 * const key = new Uint8Array(16).fill(7), iv = new Uint8Array(16).fill(9);
 * const text = new TextEncoder().encode("a scoped PDU of any length");
 * const sealed = aesCfb(key, iv, text, true);
 * assert.deepEqual(aesCfb(key, iv, sealed, false), text);
 * ```
 */
export function aesCfb(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  encrypt: boolean,
): Uint8Array {
  const out = new Uint8Array(data.length);
  let feedback = iv.subarray(0, BLOCK);
  for (let at = 0; at < data.length; at += BLOCK) {
    const stream = encryptBlock(key.subarray(0, BLOCK), feedback);
    const end = Math.min(at + BLOCK, data.length);
    for (let i = at; i < end; i++) out[i] = data[i] ^ stream[i - at];
    feedback = (encrypt ? out : data).subarray(at, at + BLOCK);
  }
  return out;
}

interface Engine {
  engineID: Buffer;
  engineBoots: number;
  engineTime: number;
}

interface AesAlgorithm {
  KEY_LENGTH: number;
  localizationAlgorithm(
    algorithm: AesAlgorithm,
    authProtocol: unknown,
    password: string,
    engineID: Buffer,
  ): Buffer;
  encryptPdu: unknown;
  decryptPdu: unknown;
}

let installed = false;

/** Makes `net-snmp`'s AES privacy use `aesCfb`; idempotent. */
export function installAesCfb(): void {
  if (installed) return;
  installed = true;
  const encryption = snmp.Encryption as {
    algorithms: Record<string, AesAlgorithm>;
    generateIvAes(algorithm: AesAlgorithm, boots: number, time: number, salt: Buffer): Buffer;
  };
  const aes = encryption.algorithms[snmp.PrivProtocols.aes];
  const keyOf = (authProtocol: unknown, password: string, engine: Engine) =>
    aes.localizationAlgorithm(aes, authProtocol, password, engine.engineID);
  aes.encryptPdu = (
    pdu: Buffer,
    _priv: unknown,
    password: string,
    authProtocol: unknown,
    engine: Engine,
  ) => {
    const salt = Buffer.from(crypto.randomBytes(8));
    const iv = encryption.generateIvAes(aes, engine.engineBoots, engine.engineTime, salt);
    const encrypted = aesCfb(keyOf(authProtocol, password, engine), iv, pdu, true);
    return { encryptedPdu: Buffer.from(encrypted), msgPrivacyParameters: salt };
  };
  aes.decryptPdu = (
    encrypted: Buffer,
    _priv: unknown,
    salt: Buffer,
    password: string,
    authProtocol: unknown,
    engine: Engine,
  ) => {
    const iv = encryption.generateIvAes(aes, engine.engineBoots, engine.engineTime, salt);
    return Buffer.from(aesCfb(keyOf(authProtocol, password, engine), iv, encrypted, false));
  };
}
