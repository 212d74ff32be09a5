/**
 * The ClientConfig file (upstream shape): how a client reaches a controller
 * (endpoint, CA, token) and which drivers it may load. Stored under
 * `~/.config/jumpstarter/clients/<alias>.yaml` (mode 0600); `config.yaml`
 * beside them names the current client.
 *
 * @module
 */
import { parse as parseYaml, stringify } from "yaml";
import { ConfigError } from "../driver/config_check.ts";
import { checkApiVersion } from "./api_version.ts";
import { describeValue } from "./describe_value.ts";
import {
  checkGrpcOptions,
  type DriversPolicy,
  driversPolicyFrom,
  type LeaseTimeouts,
  leaseTimeoutsFrom,
  type ShellSettings,
  shellSettingsFrom,
} from "./client_config_fields.ts";
import { configDir, readCurrentClient, writeCurrentClient } from "./user_config.ts";

export { configDir };
import { checkEndpoint, checkTls } from "./endpoint.ts";

/** A parsed ClientConfig. */
export interface ClientConfig {
  metadata: { namespace: string; name: string };
  /** `host:port` (TLS, upstream's form), `https://host:port`, or `http://host:port` (h2c). */
  endpoint: string;
  /** `ca`: base64 of the PEM CA to trust; `insecure`: trust any certificate. */
  tls: { ca?: string; insecure: boolean };
  token: string;
  /** An OpenID Connect refresh token (`refresh_token`, upstream's key), stored by `jumpstarter login`. */
  refreshToken?: string;
  drivers: DriversPolicy;
  leases: LeaseTimeouts;
  shell: ShellSettings;
  /** Where it was read from. */
  source?: string;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks a parsed YAML document as a ClientConfig. */
export function clientConfigFrom(doc: unknown, source?: string): ClientConfig {
  const where = source ? ` "${source}"` : "";
  if (!isMapping(doc)) {
    throw new ConfigError(`Invalid client config${where}: expected a YAML mapping`);
  }
  if (doc.kind !== undefined && doc.kind !== "ClientConfig") {
    throw new ConfigError(
      `Invalid client config${where}: kind is ${describeValue(doc.kind)}, expected "ClientConfig"`,
    );
  }
  checkApiVersion(doc.apiVersion, `client config${where}`);
  const endpoint = checkEndpoint(doc.endpoint, `client config${where}`);
  if (typeof doc.token !== "string" || !doc.token) {
    throw new ConfigError(`Invalid client config${where}: "token" is missing`);
  }
  const metadata = isMapping(doc.metadata) ? doc.metadata : {};
  const tls = checkTls(doc.tls, `client config${where}`);
  checkGrpcOptions(doc, `client config${where}`);
  return {
    metadata: {
      namespace: typeof metadata.namespace === "string" ? metadata.namespace : "default",
      name: typeof metadata.name === "string" ? metadata.name : "client",
    },
    endpoint,
    tls,
    token: doc.token,
    ...(typeof doc.refresh_token === "string" && doc.refresh_token
      ? { refreshToken: doc.refresh_token }
      : {}),
    drivers: driversPolicyFrom(doc, where),
    leases: leaseTimeoutsFrom(doc, where),
    shell: shellSettingsFrom(doc, where),
    source,
  };
}

/** Reads a ClientConfig file. */
export async function loadClientConfig(path: string): Promise<ClientConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "no such file" : String(error);
    throw new ConfigError(`Cannot read client config "${path}": ${reason}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `Cannot parse client config "${path}": ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return clientConfigFrom(doc, path);
}

/** The file of a stored client alias. */
export function clientConfigPath(alias: string): string {
  if (!/^[\w.-]+$/.test(alias)) {
    throw new TypeError(`Invalid client alias "${alias}": use letters, digits, "-", "_", "."`);
  }
  return `${configDir()}/clients/${alias}.yaml`;
}

/** The alias named current in `config.yaml`, if any (either file shape). */
export function currentClientAlias(): Promise<string | undefined> {
  return readCurrentClient();
}

/** Makes `alias` the current client (writes `config.yaml` in upstream's shape). */
export async function useClientAlias(alias: string): Promise<void> {
  await Deno.stat(clientConfigPath(alias)).catch(() => {
    throw new ConfigError(
      `No stored client "${alias}": import it first (jumpstarter config client import)`,
    );
  });
  await writeCurrentClient(alias);
}

/** Stored client aliases. */
export async function listClientAliases(): Promise<string[]> {
  const aliases: string[] = [];
  try {
    for await (const entry of Deno.readDir(`${configDir()}/clients`)) {
      if (entry.isFile && entry.name.endsWith(".yaml")) aliases.push(entry.name.slice(0, -5));
    }
  } catch { /* no clients yet */ }
  return aliases.sort();
}

/**
 * The client config to use: an explicit file, `JMP_CLIENT_CONFIG`, the
 * environment (`JMP_ENDPOINT` + `JMP_TOKEN`), else the current stored client.
 * Returns undefined when none is configured (local mode).
 */
export async function resolveClientConfig(explicit?: string): Promise<ClientConfig | undefined> {
  const file = explicit ?? Deno.env.get("JMP_CLIENT_CONFIG");
  if (file) return await loadClientConfig(file);
  const fromEnv = clientConfigFromEnv();
  if (fromEnv) return fromEnv;
  const alias = await currentClientAlias();
  return alias ? await loadClientConfig(clientConfigPath(alias)) : undefined;
}

/**
 * A client config from `JMP_ENDPOINT`, `JMP_TOKEN` and `JMP_NAME` (and
 * `JMP_NAMESPACE`, default "default"); undefined when none of the three is
 * set. Some but not all of them is a `ConfigError` naming what is missing.
 */
export function clientConfigFromEnv(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): ClientConfig | undefined {
  const names = ["JMP_ENDPOINT", "JMP_TOKEN", "JMP_NAME"] as const;
  const values = names.map((name) => env(name) || undefined);
  if (values.every((v) => v === undefined)) return undefined;
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) {
    const given = names.filter((_, i) => values[i] !== undefined);
    throw new ConfigError(
      `Incomplete client config in the environment: ${given.join(", ")} ${
        given.length === 1 ? "is" : "are"
      } set but ${missing.join(", ")} ${
        missing.length === 1 ? "is" : "are"
      } not; set all of JMP_ENDPOINT, JMP_TOKEN and JMP_NAME, or none (then JMP_CLIENT_CONFIG or the current client is used)`,
    );
  }
  const [endpoint, token, name] = values as string[];
  return clientConfigFrom({
    endpoint,
    token,
    tls: { ca: env("JMP_CA") || undefined },
    metadata: { namespace: env("JMP_NAMESPACE") || "default", name },
  }, "environment");
}

/** A new ClientConfig file's text, in upstream's shape (what `config client create` writes). */
export function newClientConfigText(fields: {
  namespace: string;
  name: string;
  endpoint: string;
  token: string;
  drivers: DriversPolicy;
}): string {
  return stringify({
    apiVersion: "jumpstarter.dev/v1alpha1",
    kind: "ClientConfig",
    metadata: { namespace: fields.namespace, name: fields.name },
    endpoint: fields.endpoint,
    token: fields.token,
    grpcOptions: {},
    drivers: { allow: fields.drivers.allow, unsafe: fields.drivers.unsafe },
  });
}
