import assert from "node:assert/strict";
import type { Identity } from "../model.ts";
import { LOGIN_CODE_TTL_MS, LoginSessions, SESSION_TTL_MS } from "./login_sessions.ts";

const alice: Identity = {
  kind: "Client",
  namespace: "default",
  name: "alice",
  uid: "u1",
  labels: {},
  generation: 1,
  createdAt: "",
};

Deno.test("LoginSessions.redeem() takes a code once, and not after it expired", () => {
  let now = 1_000_000;
  const sessions = new LoginSessions(() => now);
  const code = sessions.issueCode(alice);
  assert.match(code, /^[\w-]{43}$/);
  const session = sessions.redeem(code);
  assert.ok(session);
  assert.notEqual(session.csrf, session.id);
  assert.equal(sessions.redeem(code), undefined, "single use");
  const late = sessions.issueCode(alice);
  now += LOGIN_CODE_TTL_MS + 1;
  assert.equal(sessions.redeem(late), undefined, "expired");
  assert.equal(sessions.redeem(""), undefined);
});

Deno.test("LoginSessions.check() ends a session when its identity is deleted, rotated or it expires", () => {
  let now = 0;
  const sessions = new LoginSessions(() => now);
  const identities = new Map([["Client/default/alice", alice]]);
  const open = () => sessions.redeem(sessions.issueCode(alice))!.id;
  const first = open();
  assert.equal(sessions.check(first, identities)?.identity.name, "alice");
  identities.set("Client/default/alice", { ...alice, generation: 2 });
  assert.equal(sessions.check(first, identities), undefined, "rotated");
  identities.set("Client/default/alice", alice);
  assert.equal(sessions.check(first, identities), undefined, "stays ended");
  const second = open();
  identities.clear();
  assert.equal(sessions.check(second, identities), undefined, "deleted");
  identities.set("Client/default/alice", { ...alice, uid: "u2" });
  assert.equal(sessions.check(open(), identities), undefined, "another identity of that name");
  identities.set("Client/default/alice", alice);
  const third = open();
  now += SESSION_TTL_MS + 1;
  assert.equal(sessions.check(third, identities), undefined, "expired");
  assert.equal(sessions.check(undefined, identities), undefined);
});
