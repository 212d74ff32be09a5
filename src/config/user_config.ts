/**
 * Where the user's Jumpstarter files live, and the UserConfig file
 * (`config.yaml`) naming the current client, in upstream's shape:
 *
 * ```yaml
 * apiVersion: jumpstarter.dev/v1alpha1
 * kind: UserConfig
 * config:
 *   current-client: alice
 * ```
 *
 * Files written by earlier versions of this project (`current-client` at
 * the top level) are still read; writing always uses upstream's shape.
 *
 * @module
 */
import { parse as parseYaml, stringify } from "yaml";
import { ConfigError } from "../driver/config_check.ts";
import { API_VERSIONS } from "./api_version.ts";
import { describeValue } from "./describe_value.ts";

function env(name: string): string | undefined {
  return Deno.env.get(name) || undefined;
}

/** `$XDG_CONFIG_HOME/jumpstarter`, else `~/.config/jumpstarter` (an empty variable counts as unset). */
export function userConfigHome(): string {
  const base = env("XDG_CONFIG_HOME") ?? `${env("HOME") ?? "."}/.config`;
  return `${base}/jumpstarter`;
}

/**
 * The folder of stored clients and `config.yaml`: `JMP_CLIENT_CONFIG_HOME`
 * when set (as upstream), else {@link userConfigHome}.
 */
export function configDir(): string {
  return env("JMP_CLIENT_CONFIG_HOME") ?? userConfigHome();
}

/** The UserConfig file. */
export function userConfigPath(): string {
  return `${configDir()}/config.yaml`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The current client named by a parsed UserConfig document (either shape). */
export function currentClientFrom(doc: unknown, source = userConfigPath()): string | undefined {
  if (doc === null || doc === undefined) return undefined;
  if (!isMapping(doc)) {
    throw new ConfigError(`Invalid user config "${source}": expected a YAML mapping`);
  }
  if (doc.kind !== undefined && doc.kind !== "UserConfig") {
    throw new ConfigError(
      `Invalid user config "${source}": kind is ${describeValue(doc.kind)}, expected "UserConfig"`,
    );
  }
  const inner = isMapping(doc.config) ? doc.config : doc;
  const alias = inner["current-client"] ?? inner["current_client"];
  if (alias === undefined || alias === null || alias === "") return undefined;
  if (typeof alias !== "string") {
    throw new ConfigError(
      `Invalid user config "${source}": config.current-client is ${
        describeValue(alias)
      }, expected a client alias`,
    );
  }
  return alias;
}

/** The alias named current in `config.yaml`; undefined when there is no file or none is named. */
export async function readCurrentClient(): Promise<string | undefined> {
  const path = userConfigPath();
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new ConfigError(`Cannot read user config "${path}": ${(error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `Cannot parse user config "${path}": ${
        (error as Error).message.split("\n")[0]
      }; fix or delete the file`,
    );
  }
  return currentClientFrom(doc, path);
}

/** UserConfig YAML text in upstream's shape. */
export function userConfigText(alias: string | undefined): string {
  return stringify({
    apiVersion: API_VERSIONS[0],
    kind: "UserConfig",
    config: { "current-client": alias ?? null },
  });
}

/** Writes `config.yaml` naming `alias` as current (none when undefined). */
export async function writeCurrentClient(alias: string | undefined): Promise<void> {
  await Deno.mkdir(configDir(), { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(userConfigPath(), userConfigText(alias));
}
