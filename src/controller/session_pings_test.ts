import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { SessionPings } from "./session_pings.ts";

/** A real h2c server and one client session to it; the server side of that session. */
async function sessionPair() {
  const server = http2.createServer();
  const accepted = new Promise<http2.ServerHttp2Session>((resolve) =>
    server.once("session", resolve)
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  client.on("error", () => {});
  const session = await accepted;
  session.on("error", () => {});
  return {
    client,
    session,
    async [Symbol.asyncDispose]() {
      client.destroy();
      session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
};

Deno.test("a PING from the peer is a sign of life of every exporter on its session", async () => {
  await using pair = await sessionPair();
  const pings = new SessionPings(60_000);
  pings.watch("default/a", pair.session);
  const first = pings.lastSeen("default/a")!;
  await new Promise((r) => setTimeout(r, 30));
  pair.client.ping(() => {});
  await until(() => pings.lastSeen("default/a")! > first, "the PING moved lastSeen");
  assert.equal(pings.lastSeen("default/b"), undefined);
});

Deno.test("a silent session is PINGed once per interval, and its answer is a sign of life", async () => {
  await using pair = await sessionPair();
  const pings = new SessionPings(20);
  pings.watch("default/a", pair.session);
  const first = pings.lastSeen("default/a")!;
  pings.sweep(first + 5); // not silent long enough: no PING
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(pings.lastSeen("default/a"), first);
  pings.sweep(Date.now());
  await until(() => pings.lastSeen("default/a")! > first, "the answer moved lastSeen");
});

Deno.test("drop destroys the session; a closed stream stops the watch", async () => {
  await using pair = await sessionPair();
  const pings = new SessionPings(60_000);
  const unwatchA = pings.watch("default/a", pair.session);
  pings.watch("default/b", pair.session);
  assert.equal(pings.size, 1);
  unwatchA();
  assert.equal(pings.lastSeen("default/a"), undefined);
  assert.equal(pings.size, 1);
  assert.equal(pings.sessionOf("default/b"), pair.session);
  pings.drop(pair.session);
  assert.equal(pings.size, 0);
  assert.equal(pings.lastSeen("default/b"), undefined);
  await until(() => pair.client.closed || pair.client.destroyed, "the peer saw the session end");
});
