/**
 * The controller's token signing key: an ES256 key pair kept in the store,
 * made by the first controller that needs it.
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
  return { kid: stored.kid, privateKey, publicKey };
}
