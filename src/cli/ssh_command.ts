/**
 * The top-level `jumpstarter ssh` command: ssh to the board through the
 * network driver named `ssh` (or the only TCP one). When a driver is named
 * `ssh`, `jumpstarter ssh forward-tcp 2222` (any of its own commands) still
 * reaches that driver's group; every other form is the shortcut.
 *
 * @module
 */
import type { Command } from "commander";
import type { CliOutput } from "../client/commands.ts";
import type { DriverClient } from "../client/driver_client.ts";
import { connect } from "../client/connect.ts";
import type { LogLevel } from "../log.ts";
import { type NetworkClient, networkClientClass, registry } from "./builtin_drivers.ts";
import { addDriverCommands } from "./driver_commands.ts";
import { addExamples } from "./help.ts";
import { resolveTarget } from "./local_target.ts";
import { terminal, UsageError } from "./run.ts";

const NetworkClass = await networkClientClass();

/** Every network client below `node`, by dotted name. */
function networkClients(
  node: DriverClient,
  prefix = "",
): Map<string, NetworkClient> {
  const found = new Map<string, NetworkClient>();
  for (const [name, child] of node.children) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (child instanceof NetworkClass) found.set(path, child);
    for (const [p, c] of networkClients(child, path)) found.set(p, c);
  }
  return found;
}

/**
 * The driver `jumpstarter ssh` goes through: `name` (dotted for nested
 * drivers) if given, else the one named `ssh`, else the only TCP network
 * driver; a UsageError naming the candidates otherwise.
 */
export async function pickSshDriver(
  root: DriverClient,
  name?: string,
): Promise<NetworkClient> {
  const all = networkClients(root);
  const known = [...all.keys()].join(", ") || "none";
  if (name !== undefined) {
    const chosen = all.get(name);
    if (!chosen) {
      throw new UsageError(`No network driver named "${name}" (network drivers: ${known})`);
    }
    return chosen;
  }
  const named = all.get("ssh");
  if (named) return named;
  const tcp: [string, NetworkClient][] = [];
  for (const [path, client] of all) {
    if (await client.transport() === "tcp") tcp.push([path, client]);
  }
  if (tcp.length === 1) return tcp[0][1];
  if (tcp.length === 0) {
    throw new UsageError(
      `No TCP network driver to ssh through (network drivers: ${known}); add a network.TcpNetwork named "ssh"`,
    );
  }
  throw new UsageError(
    `Several TCP network drivers (${
      tcp.map(([p]) => p).join(", ")
    }): choose one with --driver NAME`,
  );
}

/** Adds the top-level `ssh` command to `program`; `onStatus` receives ssh's exit status. */
export function addSshCommand(
  program: Command,
  root: DriverClient,
  output: CliOutput,
  onStatus: (status: number) => void,
): void {
  const command = program
    .command("ssh")
    .description(
      'Run ssh to the board through a forwarded port (the network driver "ssh", else the only TCP one)',
    )
    .argument("[args...]", "arguments after the destination (a remote command); put -- first")
    .option("-u, --user <name>", "remote user name")
    .option("--driver <name>", "network driver to go through (dotted for nested drivers)")
    .action(async (args: string[], options: { user?: string; driver?: string }) => {
      const client = await pickSshDriver(root, options.driver);
      onStatus(await client.ssh(args, { user: options.user, output }));
    });
  addExamples(command, "", "--user root", "--user root -- uname -a", "--driver board.ssh -- id");
}

/**
 * Runs `jumpstarter [global options] ssh ...` (`argv` without the program
 * name) and returns the exit status: ssh's, or 0 for a driver command.
 */
export async function runSshCommand(
  program: Command,
  argv: string[],
  options: { logLevel: LogLevel; exporterConfig?: string },
  output: CliOutput = terminal,
): Promise<number> {
  const target = await resolveTarget(options);
  try {
    await using root = await connect(target.host, { registry, direct: target.direct });
    const next = argv[commandIndex(argv) + 1];
    const sshDriver = root.children.get("ssh");
    const driverCommands = sshDriver instanceof NetworkClass
      ? [...sshDriver.commands().map((c) => c.name), "help"]
      : [];
    if (next !== undefined && driverCommands.includes(next)) {
      addDriverCommands(program, root, output);
      await program.parseAsync(argv, { from: "user" });
      return 0;
    }
    let status = 0;
    addSshCommand(program, root, output, (code) => status = code);
    await program.parseAsync(argv, { from: "user" });
    return status;
  } finally {
    await target.close();
  }
}

/** Index of the first word that is not a global option or its value. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--log-level" || argv[i] === "--exporter-config") i++;
    else if (!argv[i].startsWith("-")) return i;
  }
  return -1;
}
