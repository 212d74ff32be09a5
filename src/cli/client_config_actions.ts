/**
 * What `jumpstarter config client ...` does: the client configs stored in
 * ~/.config/jumpstarter (import, list, use, delete). Their command tree is
 * in `lease_commands.ts`, which loads this module only when one of them runs.
 *
 * @module
 */
import {
  clientConfigFrom,
  clientConfigPath,
  currentClientAlias,
  listClientAliases,
  loadClientConfig,
  newClientConfigText,
  useClientAlias,
} from "../config/client_config.ts";
import { writeCurrentClient } from "../config/user_config.ts";
import { parse as parseYaml } from "yaml";
import { printList } from "./output.ts";
import { readSecretArg, writeSecretFile } from "./secret_file.ts";
import { terminal, UsageError } from "./run.ts";

/** `config client list`. */
export async function clientList(options: { output: string }): Promise<void> {
  const current = await currentClientAlias();
  const rows = [];
  for (const alias of await listClientAliases()) {
    const c = await loadClientConfig(clientConfigPath(alias)).catch(() => undefined);
    rows.push({
      current: alias === current ? "*" : "",
      alias,
      endpoint: c?.endpoint ?? "(unreadable)",
      namespace: c?.metadata.namespace ?? "",
      name: c?.metadata.name ?? "",
    });
  }
  printList(
    rows,
    options.output,
    ["current", "alias", "endpoint", "namespace", "name"],
    (r) => r.alias,
  );
}

/** `config client import`. */
export async function clientImport(
  file: string,
  options: { alias?: string; use?: boolean },
): Promise<void> {
  const parsed = await loadClientConfig(file);
  const alias = options.alias ?? parsed.metadata.name;
  const target = clientConfigPath(alias);
  await writeSecretFile(target, await Deno.readTextFile(file));
  if (options.use || !(await currentClientAlias())) await useClientAlias(alias);
  terminal.out(`Imported client "${alias}" (${target})`);
}

/** `config client use`. */
export async function clientUse(alias: string): Promise<void> {
  await useClientAlias(alias);
  terminal.out(`Using client "${alias}"`);
}

/** `config client delete`. */
export async function clientDelete(alias: string): Promise<void> {
  await Deno.remove(clientConfigPath(alias)).catch(() => {
    throw new UsageError(`No stored client "${alias}"`);
  });
  if ((await currentClientAlias()) === alias) {
    await writeCurrentClient(undefined);
  }
  terminal.out(`Deleted client "${alias}"`);
}

/** `config client create`: a new ClientConfig, stored under `alias` (or written to --out). */
export async function clientCreate(
  alias: string,
  options: {
    endpoint: string;
    token: string;
    namespace: string;
    name?: string;
    allow: string;
    unsafe?: boolean;
    out?: string;
    use?: boolean;
  },
): Promise<void> {
  const target = options.out ?? clientConfigPath(alias);
  if (!options.out && await Deno.stat(target).then(() => true, () => false)) {
    throw new UsageError(
      `Client config "${alias}" exists (${target}): delete it first, or give --out`,
    );
  }
  const allow = options.allow.split(",").map((s) => s.trim()).filter(Boolean);
  const text = newClientConfigText({
    namespace: options.namespace,
    name: options.name ?? alias,
    endpoint: options.endpoint,
    token: await readSecretArg(options.token, "--token"),
    drivers: { allow, unsafe: options.unsafe === true || allow.length === 0 },
  });
  clientConfigFrom(parseYaml(text), target); // refuse what could not be read back
  await writeSecretFile(target, text);
  if (!options.out && (options.use || !(await currentClientAlias()))) await useClientAlias(alias);
  terminal.out(target);
}
