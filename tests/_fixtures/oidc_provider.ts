/**
 * A real OpenID provider for the single sign-on tests: npm oidc-provider
 * (it warns "Unsupported runtime" under Deno, and works), served on
 * 127.0.0.1 with its development login and consent pages, which
 * `completeLogin` fills in with plain HTTP requests (a cookie jar, forms
 * posted as a browser would), for the browser and the device code flows.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

// Loaded untyped: its types pull in @types/node for the whole type-checked program.
const providerModule: string = "oidc-provider";
// deno-lint-ignore no-explicit-any
const Provider: any = (await import(providerModule)).default;

/** A running provider. */
export interface TestProvider extends AsyncDisposable {
  issuer: string;
  /** Requests served, by path (to see what a verifier fetched, and how often). */
  requests: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Starts a provider whose clients are public (PKCE, no secret) native apps
 * with the loopback redirect URI; ID tokens carry `preferred_username`.
 * `idTokenTtl` gives a client's ID tokens a lifetime in seconds (default 1 h).
 */
export async function startProvider(
  clientIds: string[],
  idTokenTtl: Record<string, number> = {},
): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: clientIds.map((id) => ({
      client_id: id,
      token_endpoint_auth_method: "none",
      application_type: "native",
      redirect_uris: ["http://127.0.0.1/callback"],
      grant_types: [
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
      ],
      response_types: ["code"],
    })),
    features: { deviceFlow: { enabled: true }, devInteractions: { enabled: true } },
    scopes: ["openid", "profile", "offline_access"],
    claims: { openid: ["sub"], profile: ["preferred_username"] },
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: `user-${id}`, preferred_username: id }),
    }),
    pkce: { required: () => true },
    ttl: {
      // deno-lint-ignore no-explicit-any
      IdToken: (_ctx: unknown, _token: unknown, client: any) => idTokenTtl[client.clientId] ?? 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      DeviceCode: 600,
      AccessToken: 3600,
      AuthorizationCode: 60,
      RefreshToken: 86400,
    },
  });
  const requests = new Map<string, number>();
  const handle = provider.callback();
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    handle(req, res);
  });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { issuer, requests, close, [Symbol.asyncDispose]: close };
}

/**
 * Plays the user at `start` (the authorization URL, or the device page with
 * the user code): logs in as `username` and consents, following redirects
 * with its own cookies. Stops at a redirect to `stopAt` (the CLI's loopback
 * callback, which it then calls as the browser would) or at a page with no
 * form (the device flow's success page).
 */
export async function completeLogin(
  start: string,
  username: string,
  options: { stopAt?: string; userCode?: string } = {},
): Promise<void> {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  let url = start;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    if (options.stopAt && url.startsWith(options.stopAt)) {
      const res = await fetch(url);
      await res.body?.cancel();
      return;
    }
    const res = await go(url, init);
    init = {};
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    if (res.status >= 400) throw new Error(`login page ${url} answered ${res.status}: ${html}`);
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    if (!action) return; // the device flow's "you may close this window"
    const body = new URLSearchParams();
    for (const input of html.matchAll(/<input[^>]*>/g)) {
      const name = input[0].match(/name="([^"]+)"/)?.[1];
      if (name) body.set(name, input[0].match(/value="([^"]*)"/)?.[1] ?? "");
    }
    if (body.has("login")) {
      body.set("login", username);
      body.set("password", "any");
    }
    if (body.has("user_code") && options.userCode) body.set("user_code", options.userCode);
    url = new URL(action.replaceAll("&amp;", "&"), url).href;
    init = { method: "POST", body };
  }
  throw new Error(`login at ${start} did not finish in 20 steps`);
}
