/**
 * The ready-to-use config files of an identity: the ClientConfig or
 * ExporterConfig YAML (upstream's shape) holding its endpoint and token,
 * and writing them readable by their owner only.
 *
 * @module
 */
import { stringify } from "yaml";
import type { Identity } from "./model.ts";

/** Where and how a config file reaches the controller. */
export interface EndpointInfo {
  /** `http://host:port` (h2c) or `https://host:port` (TLS). */
  endpoint: string;
  /** PEM of the CA to trust for TLS, if any. */
  caPem?: string;
}

function tlsSection(info: EndpointInfo) {
  return {
    ca: info.caPem ? btoa(info.caPem) : "",
    insecure: false,
  };
}

/** The ClientConfig YAML for a client identity (upstream shape). */
export function clientConfigYaml(identity: Identity, token: string, info: EndpointInfo): string {
  return stringify({
    apiVersion: "jumpstarter.dev/v1alpha1",
    kind: "ClientConfig",
    metadata: { namespace: identity.namespace, name: identity.name },
    endpoint: info.endpoint,
    tls: tlsSection(info),
    token,
    drivers: { allow: [], unsafe: true },
  });
}

/** The ExporterConfig YAML for an exporter identity; `exportTree` from a local config, if given. */
export function exporterConfigYaml(
  identity: Identity,
  token: string,
  info: EndpointInfo,
  exportTree: Record<string, unknown> | undefined,
): string {
  const doc: Record<string, unknown> = {
    apiVersion: "jumpstarter.dev/v1alpha1",
    kind: "ExporterConfig",
    metadata: { namespace: identity.namespace, name: identity.name },
    endpoint: info.endpoint,
    tls: tlsSection(info),
    token,
  };
  doc.export = exportTree ?? {};
  let text = stringify(doc);
  if (!exportTree) {
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
