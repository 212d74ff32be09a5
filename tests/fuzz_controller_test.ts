/**
 * Fuzz: a real controller process (`controller.ts serve`, as the lab starts
 * it) called over gRPC with hostile input.
 *
 * - Tokens: expired, not yet valid, `alg=none`, wrong audience or issuer,
 *   tampered payload or signature, another key, HS256 with the public key,
 *   revoked subjects, random base64, huge; each call is UNAUTHENTICATED with
 *   one clear line that never echoes the token, and the real token still works.
 * - Register, ReportStatus, Status, Listen, Unregister as an exporter
 *   identity, with random labels, driver reports, statuses and names; the
 *   controller accepts or refuses each cleanly and keeps answering clients.
 *
 * Seeded: the seed is printed; `FUZZ_SEED=n` replays (see `_fixtures/fuzz.ts`).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { parse as parseYaml } from "yaml";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { base64url, decodeJwt, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { fuzz, type Rng, setOwn, stringsOf, unclearStatus } from "./_fixtures/fuzz.ts";
import { Lab } from "./_fixtures/lab.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { loadClientConfig } from "../src/config/client_config.ts";
import { DriverError } from "../src/driver/driver_error.ts";
import { ClientService } from "../src/gen/jumpstarter/client/v1/client_pb.ts";
import { ControllerService } from "../src/gen/jumpstarter/v1/jumpstarter_pb.ts";
import { parseLabels } from "../src/controller/parse_labels.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** What a config file written by `controller admin create` holds. */
interface Identity {
  endpoint: string;
  token: string;
  name: string;
}

async function identityOf(configPath: string): Promise<Identity> {
  const doc = parseYaml(await Deno.readTextFile(configPath));
  return { endpoint: doc.endpoint, token: doc.token, name: doc.metadata.name };
}

/** Creates an exporter identity (no process); returns it. */
async function exporterIdentity(lab: Lab, name: string): Promise<Identity> {
  const out = `${lab.dir}/${name}.yaml`;
  await lab.admin("create", "exporter", name, "--endpoint", lab.endpoint, "--out", out);
  return await identityOf(out);
}

/** ClientService and ControllerService on one HTTP/2 connection; `close()` ends it. */
function controllerClients(endpoint: string) {
  const manager = new Http2SessionManager(endpoint);
  const transport = createGrpcTransport({ baseUrl: endpoint, sessionManager: manager });
  return {
    client: createClient(ClientService, transport),
    controller: createClient(ControllerService, transport),
    close: () => manager.abort(),
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The controller answers /healthz and a well-formed call with `token`. */
async function assertServing(lab: Lab, token: string): Promise<void> {
  const health = await fetch(`http://${lab.endpoint}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const clients = controllerClients(`http://${lab.endpoint}`);
  try {
    await clients.client.listExporters({ parent: "namespaces/default" }, {
      headers: bearer(token),
    });
    await assert.rejects(
      clients.controller.getLease({ name: "no-such-lease" }, { headers: bearer(token) }),
      (error: ConnectError) => error.code === Code.NotFound,
    );
  } finally {
    clients.close();
  }
  assert.doesNotMatch(lab.controller.log(), /Uncaught|panicked|Maximum call stack/);
}

// ---------------------------------------------------------------------------
// Tokens

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function randomB64(rng: Rng, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += B64[rng.int(B64.length)];
  return out;
}

const json64 = (value: unknown) => base64url.encode(JSON.stringify(value));

/** True when two tokens carry the same bytes (base64url may spell a segment two ways). */
function sameToken(a: string, b: string): boolean {
  const x = a.trim().split(".");
  const y = b.trim().split(".");
  if (x.length !== 3 || y.length !== 3) return false;
  try {
    return x.every((part, i) => {
      const p = base64url.decode(part);
      const q = base64url.decode(y[i]);
      return p.length === q.length && p.every((byte, j) => byte === q[j]);
    });
  } catch {
    return false;
  }
}

/** What the token forger works with: the controller's real key and a real client token. */
interface Forge {
  valid: string;
  claims: Record<string, unknown>;
  kid: string;
  key: CryptoKey;
  publicJwk: JWK;
  foreignKey: CryptoKey;
}

async function forge(lab: Lab, valid: string): Promise<Forge> {
  // The signing key as the controller stored it (the test reads its data dir).
  const db = new DatabaseSync(`${lab.dir}/data/controller.db`, { readOnly: true });
  const row = db.prepare("SELECT value FROM kv WHERE key = 'keys/signing'").get() as {
    value: string;
  };
  db.close();
  const stored = JSON.parse(row.value) as { kid: string; privateJwk: JWK; publicJwk: JWK };
  return {
    valid,
    claims: decodeJwt(valid),
    kid: stored.kid,
    key: await importJWK(stored.privateJwk, "ES256") as CryptoKey,
    publicJwk: stored.publicJwk,
    foreignKey: (await generateKeyPair("ES256")).privateKey,
  };
}

function sign(f: Forge, claims: Record<string, unknown>, key = f.key): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: f.kid }).sign(key);
}

/** A bad credential: the token, extra headers, and which kind of bad it is. */
interface BadToken {
  kind: string;
  token: string;
  headers?: Record<string, string>;
}

const now = () => Math.floor(Date.now() / 1000);

/** Makes one bad credential of a random kind. */
async function badToken(f: Forge, rng: Rng): Promise<BadToken> {
  const [head, body, signature] = f.valid.split(".");
  const claims = { ...f.claims };
  switch (rng.int(16)) {
    case 0:
      return {
        kind: "expired",
        token: await sign(f, { ...claims, exp: now() - rng.between(1, 1e9) }),
      };
    case 1:
      return {
        kind: "not yet valid",
        token: await sign(f, { ...claims, nbf: now() + rng.between(60, 1e9) }),
      };
    case 2: {
      const alg = rng.pick(["none", "None", "NONE", ""]);
      const unsigned = `${json64({ alg, typ: "JWT" })}.${body}`;
      return { kind: "alg=none", token: `${unsigned}.${rng.chance(0.5) ? "" : signature}` };
    }
    case 3: {
      const aud = rng.chance(0.5)
        ? rng.ascii(rng.between(1, 40))
        : Array.from({ length: rng.int(4) }, () => rng.ascii(rng.between(1, 20)));
      return { kind: "wrong audience", token: await sign(f, { ...claims, aud }) };
    }
    case 4: {
      const iss = rng.pick(["https://jumpstarter.dev/stream", "", rng.ascii(rng.between(1, 60))]);
      return { kind: "wrong issuer", token: await sign(f, { ...claims, iss }) };
    }
    case 5: {
      // Claims changed after signing: another name, generation, kind or subject.
      const changed = rng.pick(["name", "gen", "kind", "sub", "exp"]);
      const value = changed === "gen" ? Number(claims.gen) + rng.between(1, 5) : rng.ascii(12);
      return {
        kind: "tampered payload",
        token: `${head}.${json64({ ...claims, [changed]: value })}.${signature}`,
      };
    }
    case 6: {
      const chars = [...signature];
      for (let n = rng.between(1, 4); n > 0; n--) chars[rng.int(chars.length)] = B64[rng.int(64)];
      const cut = rng.chance(0.2) ? rng.int(chars.length) : chars.length;
      return {
        kind: "tampered signature",
        token: `${head}.${body}.${chars.slice(0, cut).join("")}`,
      };
    }
    case 7: {
      const parts = Array.from({ length: rng.between(1, 5) }, () => randomB64(rng, rng.int(200)));
      return { kind: "random base64", token: parts.join(".") };
    }
    case 8:
      return {
        kind: "large",
        token: `${head}.${randomB64(rng, rng.between(8_000, 50_000))}.${signature}`,
      };
    case 9: {
      // Algorithm confusion: HS256 keyed with the controller's public key.
      const secret = new TextEncoder().encode(
        rng.chance(0.5) ? JSON.stringify(f.publicJwk) : String(f.publicJwk.x),
      );
      const token = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: f.kid })
        .sign(secret);
      return { kind: "HS256 with the public key", token };
    }
    case 10:
      return { kind: "another key", token: await sign(f, claims, f.foreignKey) };
    case 11: {
      const sub = rng.pick([
        rng.ascii(rng.between(0, 40)),
        `Client:default:${f.claims.name}:${crypto.randomUUID()}`,
        `Exporter:default:${f.claims.name}:${String(f.claims.sub).split(":")[3]}`,
        `Client:${rng.ascii(8)}:${rng.ascii(8)}:${rng.ascii(8)}`,
      ]);
      return { kind: "signed, no such identity", token: await sign(f, { ...claims, sub }) };
    }
    case 12:
      return {
        kind: "signed, rotated generation",
        token: await sign(f, { ...claims, gen: rng.number() }),
      };
    case 13: {
      const header = rng.pick(["jumpstarter-name", "jumpstarter-namespace", "jumpstarter-kind"]);
      return {
        kind: "headers not matching the token",
        token: f.valid,
        headers: { [header]: `x${rng.ascii(rng.between(1, 30))}` },
      };
    }
    case 14:
      return {
        kind: "mutated",
        token: rng.mutate(f.valid, [".", "=", "A", "-", "_", "+", "/"]).replace(
          /[^\x21-\x7e]/g,
          "",
        ),
      };
    default: {
      const form = rng.pick(["Basic", "Token", "Bearer", "Bearer ", "", "Bearer:"]);
      return {
        kind: "authorization header forms",
        token: "",
        headers: {
          authorization: form.startsWith("Bearer") || !form ? form : `${form} ${f.valid}`,
        },
      };
    }
  }
}

const HUGE_TOKEN =
  "a raw client's own HTTP/2 layer refuses to send a token over ~64 KB (our client refuses it as UNAUTHENTICATED)";

/** A raw HTTP/2 client's refusal to send headers that large (see the test below). */
function isHugeTokenRefusal(error: unknown, token: string): boolean {
  return token.length > 60_000 && error instanceof ConnectError && error.code === Code.Internal &&
    /REFUSED_STREAM/.test(error.rawMessage);
}

Deno.test({
  name: "fuzz: every bad token is UNAUTHENTICATED in one clear line; the real one still works",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await identityOf(await lab.client("alice"));
    const f = await forge(lab, alice.token);
    const clients = controllerClients(alice.endpoint);
    try {
      await fuzz("controller tokens", { cases: 2000, concurrency: 8 }, async (run, c) => {
        const bad = await badToken(f, c.rng);
        c.input = bad;
        const headers = { ...(bad.token ? bearer(bad.token) : {}), ...bad.headers };
        const call = c.rng.pick([
          () => clients.client.listExporters({ parent: "namespaces/default" }, { headers }),
          () => clients.client.listLeases({ parent: "namespaces/default" }, { headers }),
          () => clients.controller.getLease({ name: c.rng.ascii(8) }, { headers }),
          () => clients.controller.listLeases({}, { headers }),
        ]);
        // A forgery that left the bytes as they were (base64url spells some two ways) is
        // the real token: it must pass. Anything else must be UNAUTHENTICATED.
        const genuine = bad.headers === undefined && sameToken(bad.token, f.valid);
        const error = await call().then(() => undefined, (e) => e);
        if (genuine) {
          if (error instanceof ConnectError && error.code === Code.Unauthenticated) {
            throw run.fail(c, `the real token, spelt another way, was refused: ${error.message}`);
          }
          run.count("the real token, spelt another way");
          return;
        }
        if (error === undefined) throw run.fail(c, `${bad.kind}: the controller accepted it`);
        if (isHugeTokenRefusal(error, bad.token)) {
          run.known(HUGE_TOKEN, `${bad.token.length} characters`);
          return;
        }
        const secrets = [f.valid, bad.token, ...f.valid.split(".")];
        const problem = unclearStatus(error, [Code.Unauthenticated], { secrets });
        if (problem) throw run.fail(c, `${bad.kind}: ${problem}`);
        run.count(bad.kind);
      });
      // Huge (1 MB) tokens on a connection of their own: see the test below.
      const huge = controllerClients(alice.endpoint);
      try {
        for (const size of [70_000, 1_000_000]) {
          const token = `${f.valid.split(".")[0]}.${"A".repeat(size)}.x`;
          const error = await huge.client.listExporters({ parent: "namespaces/default" }, {
            headers: bearer(token),
          }).then(() => undefined, (e) => e);
          assert.ok(error instanceof ConnectError, `a ${size}-byte token was accepted`);
          // Above ~64 KB the raw client's HTTP/2 layer refuses to send it (see the test below).
          assert.ok(
            error.code === Code.Unauthenticated || isHugeTokenRefusal(error, token),
            `${size}: ${error.message}`,
          );
        }
      } finally {
        huge.close();
      }
    } finally {
      clients.close();
    }
    await assertServing(lab, alice.token);
    assert.ok(!lab.controller.log().includes(alice.token), "the controller logged a token");
  },
});

Deno.test({
  name: "a 1 MB token is refused as UNAUTHENTICATED in one clear line, not INTERNAL",
  // Found by the fuzz test above: a bearer token over ~64 KB never reached the auth
  // check. The sending HTTP/2 layer refuses header blocks that large
  // (REFUSED_STREAM, seen as INTERNAL, which says neither that the token was refused
  // nor why). Our client now refuses such a token itself; a foreign raw client still
  // gets its own HTTP/2 layer's refusal (the fuzz test above counts it as known).
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const config = await loadClientConfig(await lab.client("alice"));
    await using client = new ControllerClient({ ...config, token: "A".repeat(1_000_000) });
    const error = await client.listExporters().then(() => undefined, (e) => e);
    assert.ok(error instanceof DriverError, `a 1 MB token was accepted: ${error}`);
    assert.equal(error.code, "unauthenticated", error.message);
    assert.match(error.message, /token of "alice" is 1000000 bytes, over the 32768/);
    assert.doesNotMatch(error.message, /\n|REFUSED_STREAM|internal/i);
  },
});

// ---------------------------------------------------------------------------
// Register and the other exporter calls

const LABEL_TOKENS = ["/", ".", "-", "_", "=", "jumpstarter.dev/", "board", "virtual", " ", ":"];

function randomMap(rng: Rng, count: number, valueLength: () => number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    setOwn(out, rng.key(LABEL_TOKENS), rng.string(LABEL_TOKENS, valueLength()));
  }
  return out;
}

function randomLabels(rng: Rng): Record<string, string> {
  const count = rng.chance(0.95) ? rng.int(12) : rng.between(12, 500);
  return randomMap(rng, count, () => rng.chance(0.97) ? rng.int(64) : rng.between(64, 20_000));
}

function randomReports(rng: Rng) {
  return Array.from({ length: rng.chance(0.9) ? rng.int(6) : rng.between(6, 200) }, () => ({
    uuid: rng.chance(0.5) ? crypto.randomUUID() : rng.string([], rng.int(40)),
    parentUuid: rng.chance(0.5) ? rng.string([], rng.int(40)) : undefined,
    labels: randomMap(rng, rng.int(6), () => rng.int(80)),
    description: rng.chance(0.5) ? rng.string([], rng.length(5000)) : undefined,
    methodsDescription: randomMap(rng, rng.int(6), () => rng.int(200)),
  }));
}

/** True when `--label` would take every label (valid keys and values). */
function labelsValid(labels: Record<string, string>): boolean {
  try {
    parseLabels(Object.entries(labels).map(([k, v]) => k.includes("=") ? "=" : `${k}=${v}`));
    return true;
  } catch {
    return false;
  }
}

const UNBOUNDED_LABELS = "Register stores labels of any size and any key (no bound, no check)";

/** Codes a well-behaved controller may answer an exporter's hostile call with. */
const EXPORTER_CALL_CODES = [
  Code.InvalidArgument,
  Code.NotFound,
  Code.FailedPrecondition,
  Code.PermissionDenied,
  Code.ResourceExhausted,
  Code.Aborted,
];

Deno.test({
  name:
    "fuzz: Register, ReportStatus, Status, Listen, Unregister payloads; the controller stays up",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await identityOf(await lab.client("alice"));
    const exporters = [await exporterIdentity(lab, "fx-1"), await exporterIdentity(lab, "fx-2")];
    const clients = controllerClients(alice.endpoint);
    try {
      // One call each first, so the controller has read the new identities (see the
      // DEFECT test "a new identity's first concurrent calls ..." below).
      for (const me of exporters) {
        await clients.controller.register({}, { headers: bearer(me.token) });
      }
      await fuzz("controller exporter calls", { cases: 2000, concurrency: 6 }, async (run, c) => {
        const { rng } = c;
        const me = rng.pick(exporters);
        const headers = bearer(me.token);
        const ops = {
          register: () => {
            const request = { labels: randomLabels(rng), reports: randomReports(rng) };
            c.input = { op: "register", request };
            return clients.controller.register(request, { headers }).then(() => {
              if (!labelsValid(request.labels)) run.known(UNBOUNDED_LABELS, request.labels);
            });
          },
          reportStatus: () => {
            const request = {
              status: rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 99, -1, 2 ** 31 - 1]),
              message: rng.chance(0.5) ? rng.string([], rng.length()) : undefined,
              releaseLease: rng.chance(0.1),
            };
            c.input = { op: "reportStatus", request };
            return clients.controller.reportStatus(request, { headers });
          },
          status: async () => {
            c.input = { op: "status" };
            const stop = AbortSignal.timeout(rng.between(1, 20));
            for await (const _ of clients.controller.status({}, { headers, signal: stop })) break;
          },
          listen: async () => {
            const request = { leaseName: rng.string(LABEL_TOKENS, rng.length(5000)) };
            c.input = { op: "listen", request };
            const stop = AbortSignal.timeout(20);
            for await (const _ of clients.controller.listen(request, { headers, signal: stop })) {
              break;
            }
          },
          unregister: () => {
            const request = { reason: rng.string([], rng.length()) };
            c.input = { op: "unregister", request };
            return clients.controller.unregister(request, { headers });
          },
          clientOnly: () => {
            const request = { leaseName: rng.string(LABEL_TOKENS, 20) };
            c.input = { op: "dial as exporter", request };
            return clients.controller.dial(request, { headers });
          },
          listExporters: () => {
            const request = { parent: "namespaces/default", filter: rng.string(LABEL_TOKENS, 40) };
            c.input = { op: "listExporters", request };
            return clients.client.listExporters(request, { headers: bearer(alice.token) });
          },
        };
        // Register, the main target, half the time; any call the other half.
        const chosen = rng.chance(0.5)
          ? "register"
          : rng.pick(Object.keys(ops) as (keyof typeof ops)[]);
        try {
          await ops[chosen]();
          run.count(`${chosen} ok`);
        } catch (error) {
          // The test's own timeouts end Status and Listen streams: a cancel, not an answer.
          if (error instanceof ConnectError && error.code === Code.Canceled) {
            run.count(`${chosen} cancelled by the test`);
            return;
          }
          const problem = unclearStatus(error, EXPORTER_CALL_CODES, { echoes: stringsOf(c.input) });
          run.check(c, problem);
          run.count(`${chosen} refused`);
        }
      });
      // The exporters registered are still listed, and the controller answers clients.
      const listed = await clients.client.listExporters({ parent: "namespaces/default" }, {
        headers: bearer(alice.token),
      });
      assert.deepEqual(listed.exporters.map((e) => e.name).sort(), [
        "namespaces/default/exporters/fx-1",
        "namespaces/default/exporters/fx-2",
      ]);
    } finally {
      clients.close();
    }
    await assertServing(lab, alice.token);
  },
});

Deno.test({
  name: "Register refuses labels past their bounds (two large ones broke ListExporters)",
  // DEFECT: found by the fuzz test above. Register stores whatever labels an exporter
  // sends (keys `--label` refuses, like "" or "a b\n"; 10 MB of values), up to the 16 MB
  // message limit. ListExporters has no paging, so two exporters with 10 MB of labels
  // make every client's listing exceed the client's 16 MB read limit:
  // RESOURCE_EXHAUSTED for all clients, until the exporters register again.
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const aliceConfig = await lab.client("alice");
    const exporters = [await exporterIdentity(lab, "big-1"), await exporterIdentity(lab, "big-2")];
    const clients = controllerClients(exporters[0].endpoint);
    const labels: Record<string, string> = { "": "empty key", "a b\n": "odd key" };
    for (let i = 0; i < 1000; i++) labels[`k${i}`] = "v".repeat(10_000);
    try {
      for (const exporter of exporters) {
        const refused = await clients.controller.register({ labels, reports: [] }, {
          headers: bearer(exporter.token),
        }).then(() => false, () => true);
        if (refused) return; // fixed: labels are bounded and checked
      }
    } finally {
      clients.close();
    }
    await using alice = await lab.connect(aliceConfig);
    assert.equal((await alice.listExporters()).length, 2);
  },
});

Deno.test({
  name: "a new identity's first concurrent calls are all accepted (some were refused as deleted)",
  // DEFECT: found by the Register fuzz test above (its first concurrent calls failed).
  // After `controller admin create` (or rotate) writes the store, only the one call that
  // notices the change (pollExternal) waits for the identities to be read again; calls
  // that arrive meanwhile check the old list and are refused UNAUTHENTICATED "Token
  // revoked: the identity was deleted" (after a rotate: "it was rotated") although the
  // token is new and valid. Seen in about one round in three of 6 concurrent calls.
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const clients = controllerClients(`http://${lab.endpoint}`);
    try {
      for (let round = 0; round < 5; round++) {
        const { token } = await identityOf(await lab.client(`client-${round}`));
        const calls = Array.from(
          { length: 8 },
          () =>
            clients.client.listExporters({ parent: "namespaces/default" }, {
              headers: bearer(token),
            }),
        );
        await Promise.all(calls);
      }
    } finally {
      clients.close();
    }
  },
});
