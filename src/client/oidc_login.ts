/**
 * Logging in to an OpenID Connect issuer with openid-client: authorization
 * code with PKCE through a browser (the answer comes back to a one-shot
 * listener on 127.0.0.1, RFC 8252's loopback redirect), the device code flow
 * for a terminal with no browser, and refreshing. The token kept is the ID
 * token (a JWT whose audience is the client id), else the access token.
 *
 * @module
 */
import * as oidc from "openid-client";

/** Where to log in. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** PEM CA for the issuer's HTTPS endpoints, if not a public one. */
  ca?: string;
}

/** What a login or refresh gives. */
export interface OidcTokens {
  token: string;
  refreshToken?: string;
}

/** The scopes asked for: identity, profile (the username claims) and a refresh token. */
export const SCOPES = "openid profile offline_access";

function isLoopback(url: URL): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

/** The issuer's configuration (discovery); `TypeError` for a bad issuer URL. */
export async function discoverIssuer(settings: OidcSettings): Promise<oidc.Configuration> {
  if (!URL.canParse(settings.issuer)) {
    throw new TypeError(`Bad --issuer "${settings.issuer}": give the issuer's https:// URL`);
  }
  const url = new URL(settings.issuer);
  const plain = url.protocol === "http:";
  if (plain && !isLoopback(url)) {
    throw new TypeError(
      `Refusing issuer "${settings.issuer}": use https (http only on a loopback address, for tests)`,
    );
  }
  const client = settings.ca ? Deno.createHttpClient({ caCerts: [settings.ca] }) : undefined;
  const fetcher: oidc.CustomFetch = (input, init) =>
    fetch(input, { ...init, ...(client ? { client } : {}) } as RequestInit);
  try {
    const config = await oidc.discovery(url, settings.clientId, undefined, oidc.None(), {
      execute: plain ? [oidc.allowInsecureRequests] : [],
      [oidc.customFetch]: fetcher,
      timeout: 30,
    });
    config[oidc.customFetch] = fetcher;
    return config;
  } catch (error) {
    throw new Error(
      `Cannot discover issuer ${settings.issuer}: ${(error as Error).message}; check --issuer`,
    );
  }
}

function tokensOf(response: oidc.TokenEndpointResponse): OidcTokens {
  const token = response.id_token ?? response.access_token;
  return { token, refreshToken: response.refresh_token };
}

/** Options of `loginWithBrowser`. */
export interface BrowserLogin {
  /** The loopback port to listen on (0 or absent: any free port). */
  callbackPort?: number;
  /** Called with the URL to open (print it, open a browser). */
  onUrl(url: string): void;
  /** Give up after this long (default 5 minutes). */
  timeoutMs?: number;
}

/** Authorization code with PKCE: the user logs in in a browser, which comes back to us. */
export async function loginWithBrowser(
  config: oidc.Configuration,
  options: BrowserLogin,
): Promise<OidcTokens> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  let answered!: (url: URL) => void;
  const answer = new Promise<URL>((resolve) => answered = resolve);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.callbackPort ?? 0,
    onListen: () => {},
  }, (req) => {
    const url = new URL(req.url);
    if (req.method !== "GET" || url.pathname !== "/callback") {
      return new Response("not found", { status: 404 });
    }
    answered(url);
    return new Response(
      "<!doctype html><p>Jumpstarter: logged in, you may close this window.</p>",
      { headers: { "content-type": "text/html; charset=utf-8" } },
    );
  });
  const timeoutMs = options.timeoutMs ?? 300_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const redirect = `http://127.0.0.1:${server.addr.port}/callback`;
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: SCOPES,
      prompt: "consent",
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    options.onUrl(url.href);
    const back = await Promise.race([
      answer,
      new Promise<never>((_, reject) =>
        timer = setTimeout(
          () => reject(new Error(`No login within ${timeoutMs / 1000} s: run the login again`)),
          timeoutMs,
        )
      ),
    ]);
    const error = back.searchParams.get("error");
    if (error) {
      const detail = back.searchParams.get("error_description") ?? "";
      throw new Error(`The issuer refused the login: ${error}${detail ? ` (${detail})` : ""}`);
    }
    return tokensOf(
      await oidc.authorizationCodeGrant(config, back, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      }),
    );
  } finally {
    clearTimeout(timer);
    await server.shutdown();
  }
}

/** What the user is to do in the device code flow. */
export interface DeviceCode {
  verificationUri: string;
  userCode: string;
  /** The URI with the code in it, when the issuer gives one. */
  verificationUriComplete?: string;
}

/** The device code flow: the user enters a code on another device; we poll until done. */
export async function loginWithDeviceCode(
  config: oidc.Configuration,
  onCode: (code: DeviceCode) => void,
  signal?: AbortSignal,
): Promise<OidcTokens> {
  if (!config.serverMetadata().device_authorization_endpoint) {
    throw new Error(
      `Issuer ${config.serverMetadata().issuer} offers no device code flow: log in with a browser (leave out --device-flow)`,
    );
  }
  const device = await oidc.initiateDeviceAuthorization(config, { scope: SCOPES });
  onCode({
    verificationUri: device.verification_uri,
    userCode: device.user_code,
    verificationUriComplete: device.verification_uri_complete,
  });
  return tokensOf(await oidc.pollDeviceAuthorizationGrant(config, device, undefined, { signal }));
}

/** New tokens for a refresh token. */
export async function refreshTokens(
  config: oidc.Configuration,
  refreshToken: string,
): Promise<OidcTokens> {
  const tokens = tokensOf(await oidc.refreshTokenGrant(config, refreshToken));
  // An issuer that does not rotate refresh tokens keeps the old one valid.
  return { token: tokens.token, refreshToken: tokens.refreshToken ?? refreshToken };
}
