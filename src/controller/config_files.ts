/**
 * The ready-to-use config files of an identity: the ClientConfig or
 * ExporterConfig YAML (upstream's shape) holding its endpoint and token,
 * and writing them readable by their owner only.
 *
 * Endpoints are written as upstream writes them: a bare `host:port` is TLS,
 * trusted through `tls.ca` (base64 PEM) or `tls.insecure`; `http://host:port`
 * is h2c, for loopback development (upstream's client cannot use it).
 *
 * @module
 */
import { stringify } from "yaml";
import type { Identity } from "./model.ts";

/** Where and how a config file reaches the controller. */
export interface EndpointInfo {
  /** `host:port` (TLS), `http://host:port` (h2c); several comma-separated. */
  endpoint: string;
  /** PEM of the CA to trust for TLS, if any. */
  caPem?: string;
  /** Trust whatever certificate the controller presents (`tls.insecure`). */
  insecure?: boolean;
}

/**
 * The endpoint as a config file holds it: `https://h:p` becomes `h:p`;
 * `http://h:p` stays; a bare `h:p` stays when TLS is trusted (a CA or
 * insecure) and becomes `http://h:p` otherwise. Comma-separated replicas
 * each get the same treatment.
 */
export function configEndpoint(endpoint: string, tls: boolean): string {
  return endpoint.split(",").map((e) => e.trim()).filter(Boolean).map((e) =>
    e.startsWith("https://")
      ? e.slice(8).replace(/\/$/, "")
      : e.startsWith("http://")
      ? e.replace(/\/$/, "")
      : tls
      ? e
      : `http://${e}`
  ).join(",");
}

function usesTls(endpoint: string): boolean {
  return endpoint.split(",").some((e) => !e.trim().startsWith("http://"));
}

function tlsSection(info: EndpointInfo) {
  const tls = usesTls(info.endpoint);
  return {
    ca: tls && info.caPem ? btoa(info.caPem) : "",
    insecure: tls && info.insecure === true,
  };
}

/**
 * The fields every config file of an identity gets; `previous` (the file
 * being rewritten, e.g. by `admin rotate`) keeps every other field it had,
 * known to us or not.
 */
function identityDoc(
  kind: "ClientConfig" | "ExporterConfig",
  identity: Identity,
  token: string,
  info: EndpointInfo,
  previous: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...previous,
    apiVersion: "jumpstarter.dev/v1alpha1",
    kind,
    metadata: {
      ...(isMapping(previous.metadata) ? previous.metadata : {}),
      namespace: identity.namespace,
      name: identity.name,
    },
    endpoint: info.endpoint,
    tls: { ...(isMapping(previous.tls) ? previous.tls : {}), ...tlsSection(info) },
    token,
  };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The ClientConfig YAML for a client identity (upstream shape); `previous` fields are kept. */
export function clientConfigYaml(
  identity: Identity,
  token: string,
  info: EndpointInfo,
  previous?: Record<string, unknown>,
): string {
  const doc = identityDoc("ClientConfig", identity, token, info, previous);
  doc.drivers ??= { allow: [], unsafe: true };
  return stringify(doc);
}

/**
 * The ExporterConfig YAML for an exporter identity; `exportTree` from a
 * local config, if given; `previous` fields (hooks, description, ...) are kept.
 */
export function exporterConfigYaml(
  identity: Identity,
  token: string,
  info: EndpointInfo,
  exportTree: Record<string, unknown> | undefined,
  previous?: Record<string, unknown>,
): string {
  const doc = identityDoc("ExporterConfig", identity, token, info, previous);
  doc.export = exportTree ?? doc.export ?? {};
  let text = stringify(doc);
  if (!isMapping(doc.export) || Object.keys(doc.export).length === 0) {
    text +=
      "# Add the drivers of this exporter under export:, e.g.\n#   power:\n#     type: power.MockPower\n";
  }
  return text;
}

/** Writes a file readable by its owner only (configs hold tokens). */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chmod(path, 0o600);
}
