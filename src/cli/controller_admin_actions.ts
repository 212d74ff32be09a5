/**
 * What `controller admin ...` does: create, list, delete and rotate clients
 * and exporters (writing their config files), and set, list and delete
 * access policies, in the store the `admin` flags name. The command tree is
 * in `controller_admin_commands.ts`, which loads this module only when one
 * of them runs.
 *
 * @module
 */
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { loadExporterConfig } from "../config/exporter_config.ts";
import { TokenAuthority } from "../controller/auth.ts";
import {
  clientConfigYaml,
  configEndpoint,
  type EndpointInfo,
  exporterConfigYaml,
  writePrivateFile,
} from "../controller/config_files.ts";
import {
  createIdentity,
  deleteIdentity,
  listIdentities,
  rotateIdentity,
  setExporterDisabled,
} from "../controller/admin.ts";
import { deletePolicy, listPolicies, putPolicy } from "../controller/policy_admin.ts";
import type { Identity, Kind } from "../controller/model.ts";
import { parseLabels } from "../controller/parse_labels.ts";
import type { KvStore } from "../controller/store/kv.ts";
import { parseDuration } from "../client/duration.ts";
import { openConfiguredStore, type StoreFlags } from "./controller_store.ts";
import { printList } from "./output.ts";
import { terminal, UsageError } from "./run.ts";

/** The options of `controller admin` itself, which its subcommands share. */
interface AdminFlags extends StoreFlags {
  namespace: string;
}

/** Runs `fn` on the store the `admin` flags name, and closes it. */
async function withStore<T>(
  admin: Command,
  fn: (store: KvStore, authority: TokenAuthority) => Promise<T>,
): Promise<T> {
  const store = await openConfiguredStore(admin.opts<AdminFlags>());
  try {
    return await fn(store, await TokenAuthority.open(store));
  } finally {
    await store.close();
  }
}

const namespaceOf = (admin: Command) => admin.opts<AdminFlags>().namespace;

function kindOf(text: string): Kind {
  if (text === "client" || text === "clients") return "Client";
  if (text === "exporter" || text === "exporters") return "Exporter";
  throw new UsageError(`Unknown kind "${text}": use client or exporter`);
}

async function endpointInfo(
  dataDir: string | undefined,
  options: { endpoint: string; ca?: string; insecure?: boolean },
): Promise<EndpointInfo> {
  let caPem: string | undefined;
  if (options.ca) {
    caPem = await Deno.readTextFile(options.ca).catch((error) => {
      throw new UsageError(`Cannot read --ca "${options.ca}": ${(error as Error).message}`);
    });
    if (!caPem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new UsageError(`Invalid --ca "${options.ca}": not a PEM certificate`);
    }
  } else caPem = await Deno.readTextFile(`${dataDir}/tls/cert.pem`).catch(() => undefined);
  for (const entry of options.endpoint.split(",").map((e) => e.trim())) {
    if (!/^(https?:\/\/)?(\[[\da-fA-F:.]+\]|[\w.-]+):\d{1,5}\/?$/.test(entry)) {
      throw new UsageError(
        `Invalid --endpoint "${entry}": use HOST:PORT (TLS), or http://HOST:PORT for an h2c controller`,
      );
    }
  }
  const endpoint = configEndpoint(options.endpoint, caPem !== undefined || !!options.insecure);
  return { endpoint, caPem, insecure: options.insecure };
}

/** `admin create`. */
export async function identityCreate(
  admin: Command,
  kindText: string,
  name: string,
  options: {
    label: string[];
    endpoint: string;
    out: string;
    ca?: string;
    insecure?: boolean;
    exportFrom?: string;
  },
): Promise<void> {
  const kind = kindOf(kindText);
  const labels = parseLabels(options.label);
  let exportTree: Record<string, unknown> | undefined;
  if (options.exportFrom) {
    if (kind !== "Exporter") throw new UsageError("--export-from is for exporters");
    await loadExporterConfig(options.exportFrom);
    exportTree = (parseYaml(await Deno.readTextFile(options.exportFrom)) as {
      export: Record<string, unknown>;
    }).export;
  }
  const info = await endpointInfo(admin.opts<AdminFlags>().dataDir, options);
  await withStore(admin, async (store, authority) => {
    const { identity, token } = await createIdentity(
      store,
      authority,
      kind,
      namespaceOf(admin),
      name,
      labels,
    );
    const text = kind === "Client"
      ? clientConfigYaml(identity, token, info)
      : exporterConfigYaml(identity, token, info, exportTree);
    await writePrivateFile(options.out, text);
  });
  terminal.out(`Created ${kind.toLowerCase()} "${name}"; its config is in ${options.out}`);
}

/** `admin list`. */
export async function identityList(
  admin: Command,
  kindText: string | undefined,
  options: { output: string },
): Promise<void> {
  const identities = await withStore(
    admin,
    (store) => listIdentities(store, kindText ? kindOf(kindText) : undefined),
  );
  const rows = identities.map((i: Identity) => ({
    kind: i.kind,
    namespace: i.namespace,
    name: i.name,
    labels: i.labels,
    generation: i.generation,
    created: i.createdAt,
    disabled: i.disabled === true,
  }));
  printList(
    rows,
    options.output,
    ["kind", "namespace", "name", "labels", "disabled", "created"],
    (r) => `${r.kind.toLowerCase()}/${r.name}`,
  );
}

/** `admin delete`. */
export async function identityDelete(
  admin: Command,
  kindText: string,
  name: string,
): Promise<void> {
  await withStore(
    admin,
    (store) =>
      deleteIdentity(store, { kind: kindOf(kindText), namespace: namespaceOf(admin), name }),
  );
  terminal.out(`Deleted ${kindText} "${name}"`);
}

/** `admin rotate`. */
export async function identityRotate(
  admin: Command,
  kindText: string,
  name: string,
  options: { endpoint: string; out: string; ca?: string; insecure?: boolean },
): Promise<void> {
  const kind = kindOf(kindText);
  const info = await endpointInfo(admin.opts<AdminFlags>().dataDir, options);
  await withStore(admin, async (store, authority) => {
    const { identity, token } = await rotateIdentity(store, authority, {
      kind,
      namespace: namespaceOf(admin),
      name,
    });
    // Every other field of the file being rewritten is kept, known to us or not.
    const previous = await Deno.readTextFile(options.out).then((t) => parseYaml(t)).catch(() =>
      undefined
    );
    const kept = typeof previous === "object" && previous !== null && !Array.isArray(previous)
      ? previous as Record<string, unknown>
      : undefined;
    const text = kind === "Client"
      ? clientConfigYaml(identity, token, info, kept)
      : exporterConfigYaml(identity, token, info, undefined, kept);
    await writePrivateFile(options.out, text);
  });
  terminal.out(
    `Rotated the token of ${kindText} "${name}"; the new config is in ${options.out}`,
  );
}

/** `admin policy set`. */
export async function policySet(
  admin: Command,
  name: string,
  options: {
    exporters: string;
    clients: string;
    maxDuration?: string;
    priority: string;
    viewAllLeases?: boolean;
  },
): Promise<void> {
  const priority = Number(options.priority);
  if (!Number.isInteger(priority)) {
    throw new UsageError(`Invalid --priority "${options.priority}": use a whole number`);
  }
  await withStore(admin, (store) =>
    putPolicy(store, {
      name,
      exporterSelector: options.exporters,
      clientSelector: options.clients,
      maxDurationMs: options.maxDuration ? parseDuration(options.maxDuration) : undefined,
      priority,
      ...(options.viewAllLeases ? { viewAllLeases: true } : {}),
    }));
  terminal.out(`Policy "${name}" set`);
}

/** `admin policy list`. */
export async function policyList(admin: Command, options: { output: string }): Promise<void> {
  const policies = await withStore(admin, (store) => listPolicies(store));
  printList(policies as unknown as Record<string, unknown>[], options.output, [
    "name",
    "exporterSelector",
    "clientSelector",
    "maxDurationMs",
    "priority",
    "viewAllLeases",
  ], (p) => String(p.name));
}

/** `admin policy delete`. */
export async function policyDelete(admin: Command, name: string): Promise<void> {
  await withStore(admin, (store) => deletePolicy(store, name));
  terminal.out(`Policy "${name}" deleted`);
}

/** `admin disable exporter NAME` / `admin enable exporter NAME`. */
export async function exporterSetDisabled(
  admin: Command,
  kindText: string,
  name: string,
  disabled: boolean,
): Promise<void> {
  if (kindOf(kindText) !== "Exporter") {
    throw new UsageError(
      `Only exporters can be ${disabled ? "disabled" : "enabled"}, not "${kindText}"`,
    );
  }
  await withStore(
    admin,
    (store) => setExporterDisabled(store, { namespace: namespaceOf(admin), name }, disabled),
  );
  terminal.out(
    disabled
      ? `Exporter "${name}" disabled: it gets no new leases (a running one goes on)`
      : `Exporter "${name}" enabled`,
  );
}
