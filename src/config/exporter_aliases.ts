/**
 * Exporter configs stored by alias, as upstream keeps them: the user's
 * `~/.config/jumpstarter/exporters/ALIAS.yaml` first, then the system-wide
 * `/etc/jumpstarter/exporters/ALIAS.yaml` (read only: services and
 * containers mount their configs there).
 *
 * @module
 */
import { stringify } from "yaml";
import { ConfigError } from "../driver/config_check.ts";
import { API_VERSIONS } from "./api_version.ts";
import { configDir } from "./user_config.ts";

/** Where system-wide exporter configs live. */
export const SYSTEM_EXPORTERS_DIR = "/etc/jumpstarter/exporters";

/** The user's exporter configs folder. */
export function userExportersDir(): string {
  return `${configDir()}/exporters`;
}

/** Refuses an alias that is not a plain file name. */
export function checkExporterAlias(alias: string): string {
  if (!/^[\w.-]+$/.test(alias) || alias === "." || alias === "..") {
    throw new ConfigError(
      `Invalid exporter alias "${alias}": use letters, digits, "-", "_", "." (no "/")`,
    );
  }
  return alias;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** A stored exporter config: its alias, file, and whether it is the read-only system one. */
export interface StoredExporter {
  alias: string;
  path: string;
  system: boolean;
}

/** The file of an alias: the user's when present, else the system one; undefined when neither. */
export function findExporterAlias(
  alias: string,
  systemDir = SYSTEM_EXPORTERS_DIR,
): StoredExporter | undefined {
  checkExporterAlias(alias);
  const user = `${userExportersDir()}/${alias}.yaml`;
  if (isFile(user)) return { alias, path: user, system: false };
  const system = `${systemDir}/${alias}.yaml`;
  if (isFile(system)) return { alias, path: system, system: true };
  return undefined;
}

/** Every stored alias, the user's shadowing the system's of the same name, sorted. */
export function listExporterAliases(systemDir = SYSTEM_EXPORTERS_DIR): StoredExporter[] {
  const found = new Map<string, StoredExporter>();
  for (const [dir, system] of [[userExportersDir(), false], [systemDir, true]] as const) {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch { /* no such folder */ }
    for (const entry of entries) {
      if (!entry.isFile || !entry.name.endsWith(".yaml")) continue;
      const alias = entry.name.slice(0, -5);
      if (!found.has(alias)) found.set(alias, { alias, path: `${dir}/${entry.name}`, system });
    }
  }
  return [...found.values()].sort((a, b) => a.alias.localeCompare(b.alias));
}

/**
 * What `--config VALUE` names: a file path as given, or, when VALUE is a
 * bare name (no "/", no .yaml/.yml) and no such file exists here, a
 * stored alias. An unknown alias is a ConfigError naming both places.
 */
export function exporterConfigPathFor(value: string, systemDir = SYSTEM_EXPORTERS_DIR): string {
  const bare = !value.includes("/") && !/\.ya?ml$/.test(value);
  if (!bare || isFile(value)) return value;
  const found = findExporterAlias(value, systemDir);
  if (found) return found.path;
  throw new ConfigError(
    `No exporter config "${value}": not a file, and no alias in ${userExportersDir()} or ${systemDir} (create one with: jumpstarter config exporter create ${value})`,
  );
}

/** The upstream ExporterConfig a new alias starts from (its `export:` is filled in by editing). */
export function newExporterConfigText(
  fields: { namespace: string; name: string; endpoint: string; token: string },
): string {
  return stringify({
    apiVersion: API_VERSIONS[0],
    kind: "ExporterConfig",
    metadata: { namespace: fields.namespace, name: fields.name },
    endpoint: fields.endpoint,
    token: fields.token,
    grpcOptions: {},
    export: {},
  });
}
