/**
 * Which OpenID Connect issuers the controller trusts, in upstream's shape
 * (the `jwt:` list of its AuthenticationConfiguration, as Kubernetes'
 * structured authentication has it): each issuer's URL, the audiences its
 * tokens must carry, an optional CA, and the claim that names the caller.
 * The claim's value, sanitized as upstream does, is the name of the client
 * identity the token acts as (in `namespace`, ours, default "default"), so
 * that identity's labels decide which access policies apply.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../driver/config_check.ts";

/** One trusted issuer. */
export interface OidcIssuer {
  /** The issuer URL, exactly as tokens' `iss` carries it. */
  url: string;
  /** A token must carry one of these in `aud`. */
  audiences: string[];
  /** PEM CA for the issuer's HTTPS endpoints, if not a public one. */
  ca?: string;
  /** The claim naming the caller (default `sub`). */
  usernameClaim: string;
  /** Put before the claim's value in logs and `auth status` (e.g. `keycloak:`). */
  usernamePrefix: string;
  /** The namespace of the client identities its users act as. */
  namespace: string;
}

function fail(where: string, message: string): never {
  throw new ConfigError(`Invalid auth config ${where}: ${message}`);
}

function isLoopback(url: URL): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

/** Checks a parsed document; `where` names the file in errors. */
export function oidcIssuersFrom(doc: unknown, where: string): OidcIssuer[] {
  const root = doc as { jwt?: unknown } | null;
  if (typeof root !== "object" || root === null || !Array.isArray(root.jwt)) {
    fail(where, "it needs a jwt: list of issuers (see docs/distributed.md#single-sign-on)");
  }
  if (root.jwt.length === 0 || root.jwt.length > 16) fail(where, "jwt: lists 1 to 16 issuers");
  return root.jwt.map((entry: unknown, i: number) => {
    const at = `${where} jwt[${i}]`;
    const e = entry as {
      issuer?: { url?: unknown; audiences?: unknown; certificateAuthority?: unknown };
      claimMappings?: { username?: { claim?: unknown; prefix?: unknown } };
      namespace?: unknown;
    };
    const url = e?.issuer?.url;
    if (typeof url !== "string" || !URL.canParse(url)) fail(at, "issuer.url must be a URL");
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && isLoopback(parsed))) {
      fail(at, `issuer.url "${url}" must be https (http only on a loopback address, for tests)`);
    }
    const audiences = e.issuer!.audiences;
    if (
      !Array.isArray(audiences) || audiences.length === 0 ||
      !audiences.every((a) => typeof a === "string" && a)
    ) {
      fail(at, "issuer.audiences must list at least one audience (e.g. jumpstarter-cli)");
    }
    const ca = e.issuer!.certificateAuthority;
    if (ca !== undefined && (typeof ca !== "string" || !ca.includes("BEGIN CERTIFICATE"))) {
      fail(at, "issuer.certificateAuthority must be PEM certificates");
    }
    const claim = e.claimMappings?.username?.claim ?? "sub";
    const prefix = e.claimMappings?.username?.prefix ?? "";
    if (typeof claim !== "string" || !claim) {
      fail(at, "claimMappings.username.claim must be a name");
    }
    if (typeof prefix !== "string") fail(at, "claimMappings.username.prefix must be text");
    const namespace = e.namespace ?? "default";
    if (typeof namespace !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
      fail(at, `namespace "${String(namespace)}" is not a valid name`);
    }
    return {
      url,
      audiences: audiences as string[],
      ca: ca as string | undefined,
      usernameClaim: claim,
      usernamePrefix: prefix,
      namespace,
    };
  });
}

/** Reads `--auth-config FILE`. */
export async function loadOidcIssuers(path: string): Promise<OidcIssuer[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(`Cannot read auth config "${path}": ${(error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`Invalid auth config "${path}": ${(error as Error).message}`);
  }
  return oidcIssuersFrom(doc, `"${path}"`);
}

/** The identity name a username claim maps to, as upstream derives it: lower case, [a-z0-9.-]. */
export function identityNameOf(claimValue: string): string {
  return claimValue.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 63);
}
