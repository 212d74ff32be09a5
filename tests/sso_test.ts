/**
 * Single sign-on (issue 18 item 9) against a real OpenID provider
 * (oidc-provider, started here) with a real OIDC client library
 * (openid-client): login with a browser (authorization code + PKCE) and with
 * the device code flow, from code and from the CLI; the controller accepting
 * the issuer's tokens as the client identity the username claim names, and
 * refusing another audience, another issuer, a forged signature, an unknown
 * user and an expired token; refresh before and after expiry; auth status.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { startController } from "../src/controller/server.ts";
import { SqliteKv } from "../src/controller/store/sqlite.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { putPolicy } from "../src/controller/policy_admin.ts";
import { eventually } from "../testing.ts";
import type { OidcIssuer } from "../src/controller/oidc_config.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { discoverIssuer, loginWithBrowser } from "../src/client/oidc_login.ts";
import { tokenInfo, tokenSource } from "../src/client/oidc_refresh.ts";
import { type ClientConfig, loadClientConfig } from "../src/config/client_config.ts";
import { writePrivate } from "../src/config/client_tokens.ts";
import { completeLogin, startProvider } from "./_fixtures/oidc_provider.ts";
import { denoDir, ROOT, runEntry, spawnDeno } from "./_fixtures/run.ts";

async function lab(issuer: OidcIssuer) {
  const dir = await Deno.makeTempDir({ prefix: "sso-" });
  const store = new SqliteKv(`${dir}/controller.db`);
  const authority = await TokenAuthority.open(store);
  await createIdentity(store, authority, "Client", "default", "alice", { team: "a" });
  const server = await startController({ store, host: "127.0.0.1", port: 0, oidc: [issuer] });
  return {
    dir,
    store,
    url: server.url,
    async close() {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function issuerConfig(url: string, audiences = ["jumpstarter-cli"]): OidcIssuer {
  return {
    url,
    audiences,
    usernameClaim: "preferred_username",
    usernamePrefix: "test:",
    namespace: "default",
  };
}

function clientConfig(
  endpoint: string,
  token: string,
  refreshToken?: string,
  name = "alice",
): ClientConfig {
  return {
    metadata: { namespace: "default", name },
    endpoint,
    tls: { insecure: false },
    token,
    refreshToken,
    drivers: { allow: [], unsafe: true },
    leases: { dialTimeoutMs: 30_000, retryTimeoutMs: 300_000 },
    shell: { useProfiles: true },
  };
}

/** Logs in from code as `user` with the browser flow, the provider's pages filled in by HTTP. */
async function browserLogin(issuer: string, clientId: string, user: string) {
  const config = await discoverIssuer({ issuer, clientId });
  let played: Promise<void> = Promise.resolve();
  const tokens = await loginWithBrowser(config, {
    onUrl(url) {
      const callback = new URL(url).searchParams.get("redirect_uri")!;
      played = completeLogin(url, user, { stopAt: callback });
    },
  });
  await played;
  return tokens;
}

async function callsController(config: ClientConfig): Promise<void> {
  await using controller = new ControllerClient(config);
  await controller.listExporters();
}

Deno.test("browser login (PKCE): the controller accepts the issuer's token as the client the username claim names, and refuses the others", async () => {
  await using provider = await startProvider(["jumpstarter-cli", "other-app"]);
  await using other = await startProvider(["jumpstarter-cli"]);
  const controller = await lab(issuerConfig(provider.issuer));
  try {
    const alice = await browserLogin(provider.issuer, "jumpstarter-cli", "alice");
    assert.ok(alice.refreshToken, "offline_access gives a refresh token");
    assert.equal(tokenInfo(alice.token)?.claims.preferred_username, "alice");
    await callsController(clientConfig(controller.url, alice.token));
    await callsController(clientConfig(controller.url, alice.token));
    // Discovery and the key set were fetched once, then served from the cache.
    assert.equal(provider.requests.get("/.well-known/openid-configuration"), 2); // login + controller
    assert.equal(provider.requests.get("/jwks"), 1); // the controller only

    // The identity's labels decide the access policies: team=a is admitted by no policy for team=b.
    await putPolicy(controller.store, {
      name: "team-b",
      exporterSelector: "",
      clientSelector: "team=b",
      priority: 0,
    });
    const lease = async () => {
      await using client = new ControllerClient(clientConfig(controller.url, alice.token));
      return await client.createLease({ selector: "board=none", durationMs: 60_000 });
    };
    await eventually(
      async () => (await lease().then(() => "admitted", (e) => String(e))).includes("not admitted"),
      { timeout: 10_000, interval: 50, message: "the policy to refuse alice" },
    );
    await putPolicy(controller.store, {
      name: "team-a",
      exporterSelector: "",
      clientSelector: "team=a",
      priority: 0,
    });
    await eventually(async () => (await lease().then(() => true, () => false)), {
      timeout: 10_000,
      interval: 50,
      message: "the policy for team=a to admit alice",
    });

    const refused = async (token: string, message: RegExp, name = "alice") =>
      await assert.rejects(
        callsController(clientConfig(controller.url, token, undefined, name)),
        message,
      );
    const otherApp = await browserLogin(provider.issuer, "other-app", "alice");
    await refused(otherApp.token, /another audience: this controller accepts jumpstarter-cli/);
    const bob = await browserLogin(provider.issuer, "jumpstarter-cli", "bob");
    await refused(bob.token, /test:bob maps to client "bob".*does not exist/, "bob");
    await refused(bob.token, /jumpstarter-name "alice" does not match the token's user test:bob/);
    const elsewhere = await browserLogin(other.issuer, "jumpstarter-cli", "alice");
    await refused(elsewhere.token, /issuer ".*" is not trusted by this controller/);
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ preferred_username: "alice" })
      .setProtectedHeader({ alg: "RS256", kid: (await exportJWK(publicKey)).n!.slice(0, 8) })
      .setIssuer(provider.issuer)
      .setAudience("jumpstarter-cli")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    await refused(forged, /signature does not verify/);
  } finally {
    await controller.close();
  }
});

Deno.test("an expired token is refused; the refresh token renews it before expiry and after", async () => {
  await using provider = await startProvider(["short-cli"], { "short-cli": 2 });
  const controller = await lab(issuerConfig(provider.issuer, ["short-cli"]));
  try {
    const first = await browserLogin(provider.issuer, "short-cli", "alice");
    const file = `${controller.dir}/client.yaml`;
    await writePrivate(
      file,
      `apiVersion: jumpstarter.dev/v1alpha1\nkind: ClientConfig\nmetadata: {namespace: default, name: alice}\nendpoint: ${controller.url}\ntoken: ${first.token}\nrefresh_token: ${first.refreshToken}\n`,
    );
    // Refresh before expiry: a token within the margin is renewed before it is sent. (A token
    // issued within the same second as the first would be the very same JWT: wait a second.)
    await new Promise((r) => setTimeout(r, 1_100));
    const config = await loadClientConfig(file);
    const renewed = await tokenSource(config, 60_000)();
    assert.notEqual(renewed, first.token);
    const stored = await loadClientConfig(file);
    assert.equal(stored.token, renewed);
    assert.notEqual(stored.refreshToken, first.refreshToken, "the provider rotates refresh tokens");
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    await callsController(stored);

    const expiresAt = tokenInfo(renewed)!.expiresAt!;
    await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 6_000));
    await assert.rejects(
      callsController(clientConfig(controller.url, renewed)),
      /expired: run "jumpstarter login" again/,
    );
    // With the refresh token the expired one is renewed before the call.
    await callsController(await loadClientConfig(file));
    assert.notEqual((await loadClientConfig(file)).token, renewed);
  } finally {
    await controller.close();
  }
});

/** Runs `jumpstarter login ...` with its own HOME; returns the child and its output. */
function cliLogin(home: string, args: string[]) {
  return spawnDeno(["run", "-A", `${ROOT}/cli.ts`, "login", ...args], {
    env: { HOME: home, XDG_CONFIG_HOME: `${home}/.config`, DENO_DIR: denoDir(), NO_COLOR: "1" },
  });
}

async function waitFor(output: () => string, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`never printed ${pattern}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("jumpstarter login with a browser and with a device code, then auth status and a controller call", async () => {
  await using provider = await startProvider(["jumpstarter-cli"]);
  const controller = await lab(issuerConfig(provider.issuer));
  const home = await Deno.makeTempDir({ prefix: "sso-home-" });
  const env = { HOME: home, XDG_CONFIG_HOME: `${home}/.config` };
  try {
    const base = ["--endpoint", controller.url, "--issuer", provider.issuer];
    const browser = cliLogin(home, [...base, "--no-device-flow", "--no-browser"]);
    const [, url] = await waitFor(browser.output, /Log in in your browser: (\S+)/);
    const callback = new URL(url).searchParams.get("redirect_uri")!;
    await completeLogin(url, "alice", { stopAt: callback });
    assert.equal((await browser.child.status).code, 0, browser.output());
    await browser.drained;
    assert.match(browser.output(), /Logged in as alice .* client "alice"/);
    const file = `${home}/.config/jumpstarter/clients/alice.yaml`;
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const first = await loadClientConfig(file);
    assert.ok(first.refreshToken);

    const status = await runEntry("cli.ts", ["auth", "status"], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(`single sign-on, issuer ${provider.issuer}, user alice`),
    );
    assert.match(status.stdout, /refresh token: +stored/);
    assert.doesNotMatch(status.stdout + status.stderr, new RegExp(first.token.slice(-20)));

    const device = cliLogin(home, [...base, "--device-flow"]);
    const [, verify] = await waitFor(device.output, /To log in, open (\S+)/);
    const [, code] = await waitFor(device.output, /enter the code (\S+)/);
    await completeLogin(verify, "alice", { userCode: code });
    assert.equal((await device.child.status).code, 0, device.output());
    await device.drained;
    const second = await loadClientConfig(file);
    assert.notEqual(second.token, first.token);

    const leases = await runEntry("cli.ts", ["lease", "list"], env);
    assert.equal(leases.code, 0, leases.stderr);
  } finally {
    await controller.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("login and auth-config mistakes: one line, before anything is asked", async () => {
  const home = await Deno.makeTempDir({ prefix: "sso-home-" });
  const env = { HOME: home, XDG_CONFIG_HOME: `${home}/.config` };
  try {
    const none = await runEntry("cli.ts", ["auth", "status"], env);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /Not logged in/);
    const cases: [string[], RegExp][] = [
      [["login", "--issuer", "http://sso.example.com", "-e", "h:1"], /use https/],
      [["login", "--issuer", "https://sso.example.com"], /--endpoint/],
      [
        ["login", "--issuer", "https://x", "-e", "h:1", "--callback-port", "99999"],
        /--callback-port/,
      ],
    ];
    for (const [args, message] of cases) {
      const ran = await runEntry("cli.ts", args, env);
      assert.notEqual(ran.code, 0, args.join(" "));
      assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
      assert.match(ran.stderr, message);
    }
    const config = `${home}/auth.yaml`;
    await Deno.writeTextFile(
      config,
      "jwt:\n- issuer: {url: http://sso.example.com, audiences: [a]}\n",
    );
    const bad = await runEntry("controller.ts", [
      "serve",
      "--data-dir",
      `${home}/data`,
      "--create",
      "--auth-config",
      config,
    ]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /Invalid auth config .* must be https/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
