/**
 * What `jumpstarter config exporter ...` does: exporter configs stored by
 * alias (create, list, edit, delete). Their command tree is in
 * `config_commands.ts`.
 *
 * @module
 */
import {
  checkExporterAlias,
  findExporterAlias,
  listExporterAliases,
  newExporterConfigText,
  userExportersDir,
} from "../config/exporter_aliases.ts";
import { loadExporterConfig } from "../config/exporter_config.ts";
import { printList } from "./output.ts";
import { readSecretArg, writeSecretFile } from "./secret_file.ts";
import { terminal, UsageError } from "./run.ts";

/** `config exporter create`. */
export async function exporterCreate(
  alias: string,
  options: { endpoint: string; token: string; namespace: string; name?: string },
): Promise<void> {
  checkExporterAlias(alias);
  const path = `${userExportersDir()}/${alias}.yaml`;
  if (await Deno.stat(path).then(() => true, () => false)) {
    throw new UsageError(
      `Exporter config "${alias}" exists (${path}): edit it, or delete it first`,
    );
  }
  const token = await readSecretArg(options.token, "--token");
  await writeSecretFile(
    path,
    newExporterConfigText({
      namespace: options.namespace,
      name: options.name ?? alias,
      endpoint: options.endpoint,
      token,
    }),
  );
  terminal.out(path);
}

/** `config exporter list`. */
export function exporterList(options: { output: string }): void {
  const rows = listExporterAliases().map((e) => ({
    alias: e.alias,
    path: e.path,
    scope: e.system ? "system" : "user",
  }));
  printList(rows, options.output, ["alias", "path", "scope"], (r) => r.alias);
}

/** `config exporter edit`: the editor, then a check of what it left. */
export async function exporterEdit(alias: string): Promise<void> {
  const found = findExporterAlias(alias);
  if (!found) {
    throw new UsageError(`No exporter config "${alias}" (jumpstarter config exporter list)`);
  }
  const editor = Deno.env.get("VISUAL") || Deno.env.get("EDITOR") || "vi";
  const [program, ...args] = editor.split(/\s+/);
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command(program, { args: [...args, found.path] }).spawn().status;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot run editor "${program}": not found; set VISUAL or EDITOR`);
    }
    throw error;
  }
  if (!status.success) {
    throw new UsageError(`Editor "${program}" exited with status ${status.code}`);
  }
  // An alias fresh from create has no drivers yet: say what is left to do, not that it failed.
  await loadExporterConfig(found.path).then(
    () => terminal.out(`Checked ${found.path}`),
    (error) => terminal.err(`Warning: ${error instanceof Error ? error.message : error}`),
  );
}

/** `config exporter delete`: the user's file only; a system one is named, not touched. */
export async function exporterDelete(alias: string): Promise<void> {
  const found = findExporterAlias(alias);
  if (!found) {
    throw new UsageError(`No exporter config "${alias}" (jumpstarter config exporter list)`);
  }
  if (found.system) {
    throw new UsageError(
      `Exporter config "${alias}" is the system one (${found.path}): remove it as its owner, not with this command`,
    );
  }
  await Deno.remove(found.path);
  terminal.out(`Deleted exporter config "${alias}" (${found.path})`);
  const shadowed = findExporterAlias(alias);
  if (shadowed) {
    terminal.err(`Warning: the system config ${shadowed.path} is now used for "${alias}"`);
  }
}
