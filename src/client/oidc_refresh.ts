/**
 * Keeping a logged-in client's token fresh: a client config holding a
 * refresh token (`jumpstarter login`) gets a new token from its issuer
 * shortly before the old one expires (and, when it has expired already,
 * before the next call), writes it back to the config file, and every call
 * to the controller carries the current one. The issuer and client id come
 * from the token itself (`iss`, `azp` or `aud`), as upstream's `jmp` does.
 *
 * @module
 */
import { decodeJwt } from "jose";
import type { ClientConfig } from "../config/client_config.ts";
import { storeClientTokens } from "../config/client_tokens.ts";

/** What a token says about itself, when it is a JWT. */
export interface TokenInfo {
  issuer?: string;
  subject?: string;
  audience?: string[];
  clientId?: string;
  /** Epoch ms. */
  expiresAt?: number;
  claims: Record<string, unknown>;
}

/** Reads a JWT's claims without verifying it (undefined when it is not a JWT). */
export function tokenInfo(token: string): TokenInfo | undefined {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    return undefined;
  }
  const aud = claims.aud;
  const audience = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.map(String) : [];
  return {
    issuer: typeof claims.iss === "string" ? claims.iss : undefined,
    subject: typeof claims.sub === "string" ? claims.sub : undefined,
    audience,
    clientId: typeof claims.azp === "string" ? claims.azp : audience[0],
    expiresAt: typeof claims.exp === "number" ? claims.exp * 1000 : undefined,
    claims,
  };
}

/** Refresh this long before expiry (default one minute). */
const MARGIN_MS = 60_000;

/**
 * The token to send with each call: the config's own, refreshed first when
 * it expires within `marginMs` and the config holds a refresh token. A
 * refresh that fails leaves a still-valid token in use; with an expired one
 * it is an error that says to log in again.
 */
export function tokenSource(
  config: ClientConfig,
  marginMs = MARGIN_MS,
): () => Promise<string> {
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    const info = tokenInfo(config.token);
    if (!info?.issuer || !info.clientId || !config.refreshToken) return;
    const { discoverIssuer, refreshTokens } = await import("./oidc_login.ts");
    const issuer = await discoverIssuer({ issuer: info.issuer, clientId: info.clientId });
    const tokens = await refreshTokens(issuer, config.refreshToken);
    config.token = tokens.token;
    config.refreshToken = tokens.refreshToken;
    if (config.source && config.source !== "environment") {
      await storeClientTokens(config.source, tokens);
    }
  };
  return async () => {
    const expiresAt = config.refreshToken ? tokenInfo(config.token)?.expiresAt : undefined;
    if (expiresAt === undefined || expiresAt - Date.now() > marginMs) return config.token;
    try {
      await (refreshing ??= refresh().finally(() => refreshing = undefined));
    } catch (error) {
      if (expiresAt <= Date.now()) {
        throw new Error(
          `The login token expired and cannot be refreshed (${
            (error as Error).message
          }): run "jumpstarter login" again`,
        );
      }
    }
    return config.token;
  };
}
