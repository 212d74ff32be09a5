import assert from "node:assert/strict";
import { base64url, decodeProtectedHeader, exportJWK, SignJWT } from "jose";
import { openDataDir } from "./store/data_dir.ts";
import { STREAM_AUDIENCE, STREAM_ISSUER, TokenAuthority } from "./auth.ts";
import { createIdentity } from "./admin.ts";

Deno.test("stream tokens are HS256, agree across replicas of one store, and refuse forgeries", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-auth-test-" });
  const store = await openDataDir(dir);
  try {
    const one = await TokenAuthority.open(store);
    const other = await TokenAuthority.open(store); // another replica: the same stored key
    const lease = { namespace: "default", name: "lease-1" };
    const token = await one.issueStreamToken("stream-1", lease, "exporter");
    assert.equal(decodeProtectedHeader(token).alg, "HS256");

    // Either replica verifies it (the secret is derived from the shared key, never stored).
    const claims = await other.verifyStreamToken(token);
    assert.equal(claims.streamId, "stream-1");
    assert.equal(claims.lease, "lease-1");
    assert.equal(claims.side, "exporter");

    // An identity token (ES256, another issuer) is not a stream token.
    const { token: identityToken } = await createIdentity(
      store,
      one,
      "Client",
      "default",
      "alice",
      {},
    );
    await assert.rejects(one.verifyStreamToken(identityToken), /Invalid or expired stream token/);

    // Keyed with the public key (algorithm confusion), or with another secret: refused.
    const claimsOf = { lease: "lease-1", ns: "default", side: "client" };
    const forge = (secret: Uint8Array) =>
      new SignJWT(claimsOf).setProtectedHeader({ alg: "HS256" }).setIssuer(STREAM_ISSUER)
        .setAudience(STREAM_AUDIENCE).setSubject("stream-2").setJti(crypto.randomUUID())
        .setExpirationTime("10m").sign(secret);
    const publicJwk = await exportJWK(one.publicKey);
    for (
      const secret of [
        new TextEncoder().encode(JSON.stringify(publicJwk)),
        crypto.getRandomValues(new Uint8Array(32)),
      ]
    ) {
      await assert.rejects(one.verifyStreamToken(await forge(secret)), /Invalid or expired/);
    }

    // A tampered payload: refused.
    const [head, , signature] = token.split(".");
    const body = base64url.encode(JSON.stringify({ ...claimsOf, sub: "stream-1", exp: 4e9 }));
    await assert.rejects(one.verifyStreamToken(`${head}.${body}.${signature}`), /Invalid/);

    // Expired: refused.
    const expired = await one.issueStreamToken("stream-3", lease, "client", -10);
    await assert.rejects(one.verifyStreamToken(expired), /Invalid or expired/);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
