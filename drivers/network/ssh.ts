/**
 * SSH through a network driver: forward a free local port to the driver's
 * target and run the `ssh` program against it.
 *
 * @module
 */
import type { CliOutput } from "../../src/client/commands.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import type { Forwarder, ForwardOptions } from "./forwarder.ts";

/** What ssh needs of a network client: a forwarded local TCP port. */
export interface TcpForwarding {
  forwardTcp(localPort: number, options?: ForwardOptions): Promise<Forwarder>;
}

/** Options of an SSH run. */
export interface SshOptions {
  /** Remote user (default: ssh's own default, the local user name). */
  user?: string;
  /** The ssh program (default `ssh` from PATH). */
  binary?: string;
  /** Where forwarding errors are reported (default stderr). */
  output?: Pick<CliOutput, "err">;
}

/** The ssh options that fit a forwarded, throwaway host key. */
export const SSH_OPTIONS = [
  "-o",
  "StrictHostKeyChecking=no",
  "-o",
  "UserKnownHostsFile=/dev/null",
  "-o",
  "LogLevel=ERROR",
];

/** Runs ssh through a forwarded local port; resolves with ssh's exit status. */
export async function runSsh(
  client: TcpForwarding,
  args: string[],
  options: SshOptions = {},
): Promise<number> {
  const report = options.output ?? { err: (text: string) => console.error(text) };
  await using forwarder = await client.forwardTcp(0, {
    onError: (error) => report.err(`Forwarded connection failed: ${messageOf(error)}`),
  });
  const destination = options.user ? `${options.user}@127.0.0.1` : "127.0.0.1";
  const binary = options.binary ?? "ssh";
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(binary, {
      args: ["-p", String(forwarder.port), ...SSH_OPTIONS, destination, ...args],
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot run "${binary}": not found in PATH; install the ssh client (apt-get install openssh-client)`,
      );
    }
    throw error;
  }
  return (await child.status).code;
}
