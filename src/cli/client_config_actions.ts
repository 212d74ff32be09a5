/**
 * What `jumpstarter config client ...` does: the client configs stored in
 * ~/.config/jumpstarter (import, list, use, delete). Their command tree is
 * in `lease_commands.ts`, which loads this module only when one of them runs.
 *
 * @module
 */
import {
  clientConfigPath,
  configDir,
  currentClientAlias,
  listClientAliases,
  loadClientConfig,
  useClientAlias,
} from "../config/client_config.ts";
import { writeCurrentClient } from "../config/user_config.ts";
import { printList } from "./output.ts";
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
  await Deno.mkdir(`${configDir()}/clients`, { recursive: true, mode: 0o700 });
  const target = clientConfigPath(alias);
  await Deno.writeTextFile(target, await Deno.readTextFile(file), { mode: 0o600 });
  await Deno.chmod(target, 0o600);
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
