/**
 * How `power.CommandPower` runs its shell commands: each in its own process
 * group (a timeout or a close kills what the shell started too), with a time
 * limit, failing in one line that names the command, how it ended and its
 * last line of error output.
 *
 * @module
 */
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { killGroup } from "../../src/driver/process_group.ts";
import { lastLine } from "../../src/driver/last_line.ts";

/** Runs power commands with a shell and tracks those still running. */
export class CommandRunner {
  readonly #running = new Set<Deno.ChildProcess>();

  /** `shell` runs each command with `-c` in `cwd`; `timeout` is in seconds (0 for no limit). */
  constructor(readonly shell: string, readonly timeout: number, readonly cwd: string) {}

  /** Runs one command; resolves to its stdout, or fails naming the command and why. */
  async run(action: string, command: string, env?: Record<string, string>): Promise<string> {
    const child = new Deno.Command(this.shell, {
      args: ["-c", command],
      cwd: this.cwd,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Its own process group, so a timeout also kills what the shell started.
      detached: true,
    }).spawn();
    this.#running.add(child);
    let timedOut = false;
    const timer = this.timeout > 0
      ? setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, this.timeout * 1000)
      : undefined;
    let result: Deno.CommandOutput;
    try {
      result = await child.output();
    } finally {
      clearTimeout(timer);
      this.#running.delete(child);
    }
    const decoder = new TextDecoder();
    const stdout = decoder.decode(result.stdout);
    if (timedOut) {
      throw new DriverTimeoutError(
        `Power command "${action}" timed out after ${this.timeout} s: \`${command}\``,
      );
    }
    if (!result.success) {
      const how = result.signal
        ? `was killed by ${result.signal}`
        : `exited with status ${result.code}`;
      const detail = lastLine(decoder.decode(result.stderr)) || lastLine(stdout) || "no output";
      throw new Error(`Power command "${action}" (\`${command}\`) ${how}: ${detail}`);
    }
    return stdout;
  }

  /** Kills the commands still running, their whole process groups. */
  killAll(): void {
    for (const child of this.#running) killGroup(child);
  }
}
