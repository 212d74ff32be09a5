import assert from "node:assert/strict";
import { cookie, type Req, sameOrigin, sessionCookie } from "./http_io.ts";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as Req;

Deno.test("sameOrigin() wants the session's CSRF token and, if named, this host as the origin", () => {
  assert.equal(sameOrigin(req({ "x-csrf-token": "t", host: "h:1" }), "t"), true);
  assert.equal(
    sameOrigin(req({ "x-csrf-token": "t", host: "h:1", origin: "http://h:1" }), "t"),
    true,
  );
  assert.equal(sameOrigin(req({ host: "h:1" }), "t"), false, "no token");
  assert.equal(sameOrigin(req({ "x-csrf-token": "u", host: "h:1" }), "t"), false, "wrong token");
  assert.equal(
    sameOrigin(req({ "x-csrf-token": "t", host: "h:1", origin: "http://evil:1" }), "t"),
    false,
    "another origin",
  );
  assert.equal(sameOrigin(req({ "x-csrf-token": "t", host: "h:1", origin: "null" }), "t"), false);
});

Deno.test("cookie() finds one cookie; sessionCookie() is HttpOnly, SameSite=Strict, Secure on TLS", () => {
  assert.equal(cookie(req({ cookie: "a=1; jmp=xyz; b=2" }), "jmp"), "xyz");
  assert.equal(cookie(req({ cookie: "jmpx=1" }), "jmp"), undefined);
  assert.equal(cookie(req({ cookie: `jmp=${"x".repeat(9000)}` }), "jmp"), undefined, "bounded");
  assert.equal(cookie(req({}), "jmp"), undefined);
  const plain = sessionCookie("jmp", "v", false, 60);
  assert.match(plain, /HttpOnly/);
  assert.match(plain, /SameSite=Strict/);
  assert.doesNotMatch(plain, /Secure/);
  assert.match(sessionCookie("jmp", "v", true, 60), /; Secure$/);
});
