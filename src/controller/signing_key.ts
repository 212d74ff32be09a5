/**
 * The controller's token signing key: an ES256 key pair kept in the store,
 * made by the first controller that needs it. Router stream tokens are
 * HS256 (as upstream's), keyed with a secret derived from the private key:
 * every replica that loads the key pair derives the same secret, and
 * signing and checking one costs microseconds, not the milliseconds of an
 * ES256 signature (two of each per byte stream opened).
 *
 * @module
 */
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { KvStore } from "./store/kv.ts";
import { keys } from "./model.ts";

interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The signing key, ready to sign and verify with. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The HMAC-SHA-256 key of router stream tokens. */
  streamKey: CryptoKey;
}

/** Derives the stream-token secret from the private key (never stored, never sent). */
async function deriveStreamKey(privateJwk: JWK): Promise<CryptoKey> {
  const seed = new TextEncoder().encode(`jumpstarter router stream tokens v1\0${privateJwk.d}`);
  const secret = await crypto.subtle.digest("SHA-256", seed);
  return await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

/** Loads the signing key from the store, creating it on first use. */
export async function loadSigningKey(store: KvStore): Promise<SigningKey> {
  let stored = (await store.get<StoredKey>(keys.signingKey))?.value;
  if (!stored) {
    const pair = await generateKeyPair("ES256", { extractable: true });
    stored = {
      kid: crypto.randomUUID(),
      privateJwk: await exportJWK(pair.privateKey),
      publicJwk: await exportJWK(pair.publicKey),
    };
    try {
      await store.commit([{ put: keys.signingKey, value: stored }], [{
        key: keys.signingKey,
        version: 0,
      }]);
    } catch {
      // Another process made it first: use theirs.
      stored = (await store.get<StoredKey>(keys.signingKey))!.value;
    }
  }
  const privateKey = await importJWK(stored.privateJwk, "ES256") as CryptoKey;
  const publicKey = await importJWK(stored.publicJwk, "ES256") as CryptoKey;
  const streamKey = await deriveStreamKey(stored.privateJwk);
  return { kid: stored.kid, privateKey, publicKey, streamKey };
}
