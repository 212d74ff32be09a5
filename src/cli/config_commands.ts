/**
 * `jumpstarter config client ...` and `jumpstarter config exporter ...`:
 * the client and exporter configs stored under ~/.config/jumpstarter, with
 * upstream's verbs. What each does is in `client_config_actions.ts` and
 * `exporter_config_actions.ts`, loaded when one runs.
 *
 * @module
 */
import type { Command } from "commander";
import { outputOption } from "./output_option.ts";

const clientActions = () => import("./client_config_actions.ts");
const exporterActions = () => import("./exporter_config_actions.ts");

const example = (...lines: string[]) =>
  `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  $ ${l}\n`).join("")}`;

/** Adds `config client` and `config exporter` to the program. */
export function addConfigCommands(program: Command): void {
  const config = program.command("config").description(
    "Client and exporter configs stored in ~/.config/jumpstarter",
  );
  const client = config.command("client").description("Stored client configs (one is current)");
  client
    .command("create")
    .description("Write a new ClientConfig under an alias (mode 0600)")
    .argument("<alias>", "alias of the new client config")
    .requiredOption("-e, --endpoint <url>", "the controller, e.g. https://ctl.lab:8082")
    .requiredOption("-t, --token <token>", 'the client token ("-" reads it from stdin)')
    .option("--namespace <namespace>", "the client's namespace", "default")
    .option("--name <name>", "the client's name (default: the alias)")
    .option("-a, --allow <patterns>", "comma-separated driver client class globs", "")
    .option("--unsafe", "allow every driver client class")
    .option("--out <file>", "write to this file instead of the stored alias")
    .option("--use", "make it the current client")
    .addHelpText(
      "after",
      example(
        "jumpstarter config client create alice -e https://ctl.lab:8082 -t - < alice.token",
        'jumpstarter config client create ci -e http://127.0.0.1:8082 -t "$TOKEN" --unsafe --use',
      ),
    )
    .action(async (alias: string, options) => (await clientActions()).clientCreate(alias, options));
  client
    .command("list")
    .description("List stored client configs")
    .addOption(outputOption())
    .addHelpText("after", example("jumpstarter config client list -o yaml"))
    .action(async (options) => (await clientActions()).clientList(options));
  client
    .command("import")
    .description("Store a ClientConfig file (from `controller admin create client`) under an alias")
    .argument("<file>", "ClientConfig YAML")
    .option("--alias <name>", "alias (default: the client's name)")
    .option("--use", "make it the current client")
    .addHelpText("after", example("jumpstarter config client import alice.yaml --use"))
    .action(async (file: string, options) => (await clientActions()).clientImport(file, options));
  client
    .command("use")
    .description("Make a stored client the current one")
    .argument("<alias>", "stored client alias")
    .addHelpText("after", example("jumpstarter config client use alice"))
    .action(async (alias: string) => (await clientActions()).clientUse(alias));
  client
    .command("delete")
    .description("Delete a stored client config")
    .argument("<alias>", "stored client alias")
    .addHelpText("after", example("jumpstarter config client delete alice"))
    .action(async (alias: string) => (await clientActions()).clientDelete(alias));

  const exporter = config.command("exporter").description(
    "Stored exporter configs (~/.config/jumpstarter/exporters, then /etc/jumpstarter/exporters)",
  );
  exporter
    .command("create")
    .description("Write a new ExporterConfig under an alias (mode 0600); add its drivers with edit")
    .argument("[alias]", "alias of the new exporter config", "default")
    .requiredOption("-e, --endpoint <url>", "the controller, e.g. https://ctl.lab:8082")
    .requiredOption("-t, --token <token>", 'the exporter token ("-" reads it from stdin)')
    .option("--namespace <namespace>", "the exporter's namespace", "default")
    .option("--name <name>", "the exporter's name (default: the alias)")
    .addHelpText(
      "after",
      example(
        "jumpstarter config exporter create bench-1 -e https://ctl.lab:8082 -t - < bench-1.token",
        "jumpstarter config exporter edit bench-1",
        "exporter serve --exporter bench-1",
      ),
    )
    .action(async (alias: string, options) =>
      (await exporterActions()).exporterCreate(alias, options)
    );
  exporter
    .command("list")
    .description("List stored exporter configs (a user alias hides a system one of its name)")
    .addOption(outputOption())
    .addHelpText("after", example("jumpstarter config exporter list -o name"))
    .action(async (options) => (await exporterActions()).exporterList(options));
  exporter
    .command("edit")
    .description("Open a stored exporter config in $VISUAL or $EDITOR, then check it")
    .argument("[alias]", "stored exporter alias", "default")
    .addHelpText("after", example("EDITOR=nano jumpstarter config exporter edit bench-1"))
    .action(async (alias: string) => (await exporterActions()).exporterEdit(alias));
  exporter
    .command("delete")
    .description("Delete a stored exporter config (system ones under /etc are left alone)")
    .argument("[alias]", "stored exporter alias", "default")
    .addHelpText("after", example("jumpstarter config exporter delete bench-1"))
    .action(async (alias: string) => (await exporterActions()).exporterDelete(alias));
}
