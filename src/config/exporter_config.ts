/**
 * The ExporterConfig file (upstream shape): metadata, controller endpoint and
 * token for distributed mode, and the `export:` tree of drivers.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../driver/config_check.ts";
import { checkApiVersion } from "./api_version.ts";
import { describeValue } from "./describe_value.ts";
import { checkGrpcOptions } from "./client_config_fields.ts";
import {
  checkFailureDetection,
  exitOnLeaseEndFrom,
  methodsDescriptionFrom,
  motdFrom,
} from "./exporter_config_fields.ts";
import { checkEndpoint, checkTls } from "./endpoint.ts";

/** One node of the `export:` tree. */
export type ExportNode =
  | {
    kind: "driver";
    type: string;
    config: Record<string, unknown>;
    description?: string;
    /** Help text per method (upstream's `methods_description`), reported to clients. */
    methodsDescription: Record<string, string>;
    children: Record<string, ExportNode>;
  }
  | { kind: "ref"; ref: string };

/** A parsed and checked ExporterConfig. */
export interface ExporterConfig {
  apiVersion: string;
  metadata: { namespace: string; name: string };
  endpoint?: string;
  token?: string;
  tls: { ca?: string; insecure: boolean };
  description?: string;
  /** The session's message of the day (`motd`, else `description`). */
  motd?: string;
  /** Exit after a lease ends (upstream's `exitOnLeaseEnd`). */
  exitOnLeaseEnd: boolean;
  export: Record<string, ExportNode>;
  hooks: Record<string, unknown>;
  /** Where the file was read from (for relative paths); cwd for inline configs. */
  baseDir: string;
  /** The path the config came from, if any. */
  source?: string;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseNode(value: unknown, path: string): ExportNode {
  if (!isMapping(value)) {
    throw new ConfigError(
      `Invalid exporter config at ${path}: expected a mapping with "type" or "ref", got ${
        describeValue(value)
      }`,
    );
  }
  if (value.ref !== undefined) {
    if (typeof value.ref !== "string" || value.ref === "") {
      throw new ConfigError(`Invalid exporter config at ${path}.ref: expected a driver name`);
    }
    return { kind: "ref", ref: value.ref };
  }
  if (typeof value.type !== "string" || value.type === "") {
    throw new ConfigError(
      `Invalid exporter config at ${path}: "type" is missing (e.g. type: power.MockPower)`,
    );
  }
  const config = value.config ?? {};
  if (!isMapping(config)) {
    throw new ConfigError(
      `Invalid exporter config at ${path}.config: expected a mapping, got ${describeValue(config)}`,
    );
  }
  const children: Record<string, ExportNode> = {};
  if (value.children !== undefined && value.children !== null) {
    if (!isMapping(value.children)) {
      throw new ConfigError(`Invalid exporter config at ${path}.children: expected a mapping`);
    }
    for (const [name, child] of Object.entries(value.children)) {
      children[name] = parseNode(child, `${path}.children.${name}`);
    }
  }
  const description = typeof value.description === "string" ? value.description : undefined;
  const methodsDescription = methodsDescriptionFrom(value, path);
  return { kind: "driver", type: value.type, config, description, methodsDescription, children };
}

/** Checks a parsed YAML document as an ExporterConfig. */
export function exporterConfigFrom(doc: unknown, baseDir: string, source?: string): ExporterConfig {
  const where = source ? ` "${source}"` : "";
  if (!isMapping(doc)) {
    throw new ConfigError(`Invalid exporter config${where}: expected a YAML mapping`);
  }
  if (doc.kind !== undefined && doc.kind !== "ExporterConfig") {
    throw new ConfigError(
      `Invalid exporter config${where}: kind is ${
        describeValue(doc.kind)
      }, expected "ExporterConfig"`,
    );
  }
  const apiVersion = checkApiVersion(doc.apiVersion, `exporter config${where}`);
  checkGrpcOptions(doc, `exporter config${where}`);
  checkFailureDetection(doc, where);
  const exported = doc.export;
  if (!isMapping(exported) || Object.keys(exported).length === 0) {
    throw new ConfigError(
      `Invalid exporter config${where}: "export" must map names to drivers (e.g. power: {type: power.MockPower})`,
    );
  }
  const tree: Record<string, ExportNode> = {};
  for (const [name, node] of Object.entries(exported)) {
    tree[name] = parseNode(node, `export.${name}`);
  }
  const metadata = isMapping(doc.metadata) ? doc.metadata : {};
  const tls = checkTls(doc.tls, `exporter config${where}`);
  const endpoint = doc.endpoint === undefined || doc.endpoint === null || doc.endpoint === ""
    ? undefined
    : checkEndpoint(doc.endpoint, `exporter config${where}`);
  return {
    apiVersion,
    metadata: {
      namespace: typeof metadata.namespace === "string" ? metadata.namespace : "default",
      name: typeof metadata.name === "string"
        ? metadata.name
        : source
        ? source.replace(/^.*\//, "").replace(/\.ya?ml$/, "")
        : "local",
    },
    endpoint,
    token: typeof doc.token === "string" && doc.token ? doc.token : undefined,
    tls,
    description: typeof doc.description === "string" ? doc.description : undefined,
    motd: motdFrom(doc, where),
    exitOnLeaseEnd: exitOnLeaseEndFrom(doc, where),
    export: tree,
    hooks: isMapping(doc.hooks) ? doc.hooks : {},
    baseDir,
    source,
  };
}

/** The session's message of the day: `motd`, else `description`, else empty. */
export function sessionMotd(config: ExporterConfig): string {
  return config.motd ?? config.description ?? "";
}

/**
 * Parses ExporterConfig YAML text; relative paths in it resolve against `baseDir`.
 *
 * @example
 * ```ts
 * import { connect, parseExporterConfig, PowerClient, serveLocal } from "@jumpstarter/jumpstarter";
 *
 * const config = parseExporterConfig(
 *   "export:\n  power:\n    type: power.MockPower\n",
 *   Deno.cwd(),
 * );
 * await using exporter = await serveLocal(config);
 * await using dut = await connect(exporter.socketPath);
 * await dut.child("power", PowerClient).on();
 * ```
 */
export function parseExporterConfig(
  text: string,
  baseDir: string,
  source?: string,
): ExporterConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(`Cannot parse exporter config${source ? ` "${source}"` : ""}: ${detail}`);
  }
  return exporterConfigFrom(doc, baseDir, source);
}

/**
 * Reads and checks an ExporterConfig file; a problem is a `ConfigError` naming
 * the file and the place in it.
 *
 * @example
 * ```ts
 * import { loadExporterConfig } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const config = await loadExporterConfig("examples/virtual-board.yaml");
 * assert.equal(config.metadata.name, "virtual-board");
 * assert.deepEqual(Object.keys(config.export), ["power", "serial", "storage"]);
 * ```
 */
export async function loadExporterConfig(path: string): Promise<ExporterConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "no such file" : String(error);
    throw new ConfigError(`Cannot read exporter config "${path}": ${reason}`);
  }
  const abs = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return parseExporterConfig(text, abs.replace(/\/[^/]*$/, "") || "/", path);
}
