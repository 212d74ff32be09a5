/**
 * What `jumpstarter login` and `jumpstarter auth status` do (their command
 * tree is `login_commands.ts`).
 *
 * @module
 */
import { parseDocument } from "yaml";
import {
  type ClientConfig,
  clientConfigPath,
  resolveClientConfig,
  useClientAlias,
} from "../config/client_config.ts";
import { writePrivate } from "../config/client_tokens.ts";
import { tokenInfo } from "../client/oidc_refresh.ts";
import { identityNameOf } from "../controller/oidc_config.ts";
import { ExitStatus, terminal, UsageError } from "./run.ts";

/** The flags of `login`. */
export interface LoginFlags {
  endpoint?: string;
  issuer: string;
  clientId: string;
  client?: string;
  namespace: string;
  name?: string;
  deviceFlow?: boolean;
  callbackPort?: string;
  browser: boolean;
  ca?: string;
  issuerCa?: string;
}

async function readFlagFile(flag: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${flag} "${path}": ${(error as Error).message}`);
  }
}

function checkName(flag: string, value: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value) || value.length > 63) {
    throw new UsageError(
      `Bad ${flag} "${
        value.slice(0, 80)
      }": use lower-case letters, digits, "-" and "." (at most 63)`,
    );
  }
  return value;
}

function headless(): boolean {
  return Deno.build.os === "linux" && !Deno.env.get("DISPLAY") && !Deno.env.get("WAYLAND_DISPLAY");
}

function openBrowser(url: string): void {
  const opener = Deno.build.os === "darwin" ? "open" : "xdg-open";
  try {
    new Deno.Command(opener, { args: [url], stdin: "null", stdout: "null", stderr: "null" })
      .spawn().status.catch(() => {});
  } catch { /* no opener: the URL is printed */ }
}

/** `jumpstarter login`. */
export async function login(flags: LoginFlags): Promise<void> {
  // Every flag is checked before anything is asked of the issuer.
  const port = flags.callbackPort === undefined ? undefined : Number(flags.callbackPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`Bad --callback-port "${flags.callbackPort}": give a port, 0 to 65535`);
  }
  const path = flags.client ? clientConfigPath(flags.client) : undefined;
  const existing = path ? await readExisting(path) : undefined;
  const endpoint = flags.endpoint ?? (existing?.get("endpoint") as string | undefined);
  if (!endpoint) throw new UsageError("Give the controller with --endpoint HOST:PORT");
  if (flags.name) checkName("--name", flags.name);
  checkName("--namespace", flags.namespace);
  const controllerCa = flags.ca ? await readFlagFile("--ca", flags.ca) : undefined;
  const issuerCa = flags.issuerCa ? await readFlagFile("--issuer-ca", flags.issuerCa) : undefined;
  const { discoverIssuer, loginWithBrowser, loginWithDeviceCode } = await import(
    "../client/oidc_login.ts"
  );
  const issuer = await discoverIssuer({
    issuer: flags.issuer,
    clientId: flags.clientId,
    ca: issuerCa,
  });
  const tokens = flags.deviceFlow ?? headless()
    ? await loginWithDeviceCode(issuer, (code) => {
      terminal.err(`To log in, open ${code.verificationUriComplete ?? code.verificationUri}`);
      terminal.err(`and enter the code ${code.userCode}`);
    })
    : await loginWithBrowser(issuer, {
      callbackPort: port,
      onUrl: (url) => {
        terminal.err(`Log in in your browser: ${url}`);
        if (flags.browser) openBrowser(url);
      },
    });
  const info = tokenInfo(tokens.token);
  const user = String(info?.claims.preferred_username ?? info?.subject ?? "");
  const name = flags.name ?? checkName("the token's user (give --name)", identityNameOf(user));
  const alias = flags.client ?? name;
  const file = path ?? clientConfigPath(alias);
  const doc = (path ? existing : await readExisting(file)) ?? parseDocument("{}");
  doc.set("apiVersion", "jumpstarter.dev/v1alpha1");
  doc.set("kind", "ClientConfig");
  doc.set("metadata", { namespace: flags.namespace, name });
  doc.set("endpoint", endpoint);
  if (controllerCa) doc.set("tls", { ca: btoa(controllerCa), insecure: false });
  else if (!doc.has("tls")) doc.set("tls", { ca: "", insecure: false });
  doc.set("token", tokens.token);
  if (tokens.refreshToken) doc.set("refresh_token", tokens.refreshToken);
  else doc.delete("refresh_token");
  if (!doc.has("drivers")) doc.set("drivers", { allow: [], unsafe: true });
  await writePrivate(file, doc.toString());
  await useClientAlias(alias);
  const expires = info?.expiresAt
    ? `, token valid until ${new Date(info.expiresAt).toISOString()}`
    : "";
  terminal.err(
    `Logged in as ${
      user || "?"
    } at ${flags.issuer}: client "${name}" (alias ${alias}, ${file})${expires}${
      tokens.refreshToken ? ", refreshed automatically" : ", no refresh token: log in again then"
    }`,
  );
}

async function readExisting(path: string) {
  try {
    return parseDocument(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

function ago(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text = minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** `jumpstarter auth status`. */
export async function authStatus(explicit?: string): Promise<void> {
  const config: ClientConfig | undefined = await resolveClientConfig(explicit);
  if (!config) {
    terminal.out("Not logged in: no client config (jumpstarter login, or config client import)");
    throw new ExitStatus(1);
  }
  const info = tokenInfo(config.token);
  const oidc = info?.issuer && info.issuer !== "https://jumpstarter.dev/controller";
  const rows: [string, string][] = [
    ["client config", config.source ?? "(unknown)"],
    ["endpoint", config.endpoint],
    ["client", `${config.metadata.namespace}/${config.metadata.name}`],
    [
      "token",
      oidc
        ? `single sign-on, issuer ${info!.issuer}, user ${
          String(info!.claims.preferred_username ?? info!.subject ?? "?")
        }`
        : "issued by the controller",
    ],
  ];
  const expiresAt = info?.expiresAt;
  const expired = expiresAt !== undefined && expiresAt <= Date.now();
  rows.push([
    "expires",
    expiresAt === undefined
      ? "never"
      : `${new Date(expiresAt).toISOString()} (${expired ? "expired " : ""}${
        ago(expiresAt - Date.now())
      })`,
  ]);
  rows.push([
    "refresh token",
    config.refreshToken ? "stored: the token is refreshed before it expires" : "none",
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) terminal.out(`${`${key}:`.padEnd(width + 2)}${value}`);
  if (expired && !config.refreshToken) {
    terminal.err('The token has expired: run "jumpstarter login" again');
    throw new ExitStatus(1);
  }
}
