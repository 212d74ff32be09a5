/**
 * `controller admin ...`: the command tree that manages clients, exporters
 * and access policies. What each command does is in
 * `controller_admin_actions.ts`, loaded when one runs, so `--help` stays
 * quick.
 *
 * @module
 */
import type { Command } from "commander";
import { outputOption } from "./output_option.ts";

const actions = () => import("./controller_admin_actions.ts");

const collect = (value: string, previous: string[] = []) => [...previous, value];

const adminHelp = `
Examples:
  $ controller admin --data-dir ./lab create client alice --endpoint 127.0.0.1:8082 --out alice.yaml
  $ controller admin --data-dir ./lab create exporter bench-1 --label board=virtual \\
      --endpoint 127.0.0.1:8082 --export-from examples/virtual-board.yaml --out bench-1.yaml
  $ controller admin --data-dir ./lab list -o yaml
  $ controller admin --data-dir ./lab rotate client alice --endpoint 127.0.0.1:8082 --out alice.yaml
  $ controller admin --data-dir ./lab delete exporter bench-1
  $ controller admin --data-dir ./lab policy set ci --exporters board=virtual --clients team=ci --max-duration 2h --priority 10`;

/** Adds `admin` (create, list, delete, rotate, policy ...) to the program. */
export function addAdminCommands(program: Command): void {
  const admin = program
    .command("admin")
    .description("Manage clients, exporters and access policies in a data directory or etcd store")
    .option("--data-dir <dir>", "the controller's data directory")
    .option("--create", "make --data-dir (a new, empty store) if it does not exist")
    .option("--store <spec>", "etcd://HOST:PORT[,...] when the controllers share etcd")
    .option("--etcd-ca <file>", "CA of the etcd cluster (PEM)")
    .option("--etcd-cert <file>", "client certificate for etcd (PEM)")
    .option("--etcd-key <file>", "client key for etcd (PEM)")
    .option("--etcd-user <name>", "etcd user (password from JUMPSTARTER_ETCD_PASSWORD)")
    .option("--namespace <ns>", "namespace", "default")
    .addHelpText("after", adminHelp);

  admin
    .command("create")
    .description("Register a client or exporter and write its ready-to-use config file (mode 0600)")
    .argument("<kind>", "client or exporter")
    .argument("<name>", "its name")
    .option("--label <k=v>", "a label (repeatable)", collect, [])
    .requiredOption(
      "--endpoint <host:port>",
      "where it reaches the controller: HOST:PORT is TLS (upstream's form), http://HOST:PORT h2c",
    )
    .requiredOption("--out <file>", "config file to write")
    .option("--ca <file>", "CA certificate to trust (default: DATA_DIR/tls/cert.pem when present)")
    .option("--insecure", "write tls.insecure: trust whatever certificate the controller presents")
    .option("--export-from <file>", "exporter: copy the export: tree from this local-mode config")
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab create exporter bench-1 --label board=virtual --endpoint 127.0.0.1:8082 --out bench-1.yaml\n",
    )
    .action(async (kind: string, name: string, options) =>
      (await actions()).identityCreate(admin, kind, name, options)
    );

  admin
    .command("list")
    .description("List clients and exporters")
    .argument("[kind]", "client or exporter (default: both)")
    .addOption(outputOption())
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab list exporters -o yaml\n",
    )
    .action(async (kind: string | undefined, options) =>
      (await actions()).identityList(admin, kind, options)
    );

  admin
    .command("delete")
    .description("Delete a client or exporter; its token stops working at once")
    .argument("<kind>", "client or exporter")
    .argument("<name>", "its name")
    .addHelpText("after", "\nExample:\n  $ controller admin --data-dir ./lab delete client alice\n")
    .action(async (kind: string, name: string) =>
      (await actions()).identityDelete(admin, kind, name)
    );

  for (const [verb, disabled] of [["disable", true], ["enable", false]] as const) {
    admin
      .command(verb)
      .description(
        disabled
          ? "Disable an exporter: the scheduler gives it no new leases; clients see it as disabled"
          : "Enable a disabled exporter again",
      )
      .argument("<kind>", "exporter")
      .argument("<name>", "its name")
      .addHelpText(
        "after",
        `\nExample:\n  $ controller admin --data-dir ./lab ${verb} exporter bench-1\n`,
      )
      .action(async (kind: string, name: string) =>
        (await actions()).exporterSetDisabled(admin, kind, name, disabled)
      );
  }

  admin
    .command("rotate")
    .description(
      "Issue a new token (the old one stops working at once) and rewrite the config file",
    )
    .argument("<kind>", "client or exporter")
    .argument("<name>", "its name")
    .requiredOption(
      "--endpoint <host:port>",
      "where it reaches the controller: HOST:PORT is TLS (upstream's form), http://HOST:PORT h2c",
    )
    .requiredOption("--out <file>", "config file to write; its other fields are kept")
    .option("--ca <file>", "CA certificate to trust (default: DATA_DIR/tls/cert.pem when present)")
    .option("--insecure", "write tls.insecure: trust whatever certificate the controller presents")
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab rotate client alice --endpoint 127.0.0.1:8082 --out alice.yaml\n",
    )
    .action(async (kind: string, name: string, options) =>
      (await actions()).identityRotate(admin, kind, name, options)
    );

  const policy = admin.command("policy").description(
    "Access policies: which clients may lease which exporters",
  );
  policy
    .command("set")
    .description("Create or replace an access policy")
    .argument("<name>", "policy name")
    .option("--exporters <selector>", "exporters it covers", "")
    .option("--clients <selector>", "clients it admits (default: all)", "")
    .option("--max-duration <duration>", "longest lease, e.g. 2h")
    .option("--priority <n>", "priority of admitted leases (higher first)", "0")
    .option("--view-all-leases", "admitted clients see every client's leases (get leases -A)")
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab policy set ci --exporters board=virtual --clients team=ci --max-duration 2h --priority 10\n",
    )
    .action(async (name: string, options) => (await actions()).policySet(admin, name, options));
  policy
    .command("list")
    .description("List access policies")
    .addOption(outputOption())
    .action(async (options) => (await actions()).policyList(admin, options));
  policy
    .command("delete")
    .description("Delete an access policy")
    .argument("<name>", "policy name")
    .action(async (name: string) => (await actions()).policyDelete(admin, name));
}
