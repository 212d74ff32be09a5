/**
 * The client of shell drivers (upstream label
 * `jumpstarter_driver_shell.client.ShellClient`): run configured methods,
 * stream their output, one CLI subcommand per method.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { listArg, listOption } from "../../src/client/command_values.ts";
import { writeAll } from "../../src/driver/write_all.ts";

/** One piece of a method's output; the last one has the exit status. */
export interface ShellOutput {
  stdout: string;
  stderr: string;
  /** Null until the method ended. */
  code: number | null;
}

/** What `run()` returns. */
export interface ShellResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options of `output()` and `run()`. */
export interface ShellRunOptions {
  /** Variables added to the script's environment. */
  env?: Record<string, string>;
}

/** Upstream's two methods, not configured ones. */
const BUILT_IN = new Set(["get_methods", "call_method"]);

/**
 * Runs methods of a `shell.Shell` driver.
 *
 * @example
 * ```ts
 * import { connect, loadExporterConfig, serveLocal, ShellClient } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/shell.yaml"));
 * await using dut = await connect(exporter.socketPath);
 * const tools = dut.child("tools", ShellClient);
 * const { stdout, code } = await tools.run("greet", ["world"]);
 * assert.deepEqual([stdout, code], ["hello world from rpi4\n", 0]);
 * for await (const { stdout } of tools.output("countdown", ["1"])) console.log(stdout);
 * ```
 */
export class ShellClient extends DriverClient {
  /** The configured method names, from the driver's report. */
  get methodNames(): string[] {
    return Object.keys(this.report.methodsDescription).filter((name) => !BUILT_IN.has(name));
  }

  /** Asks the driver for its configured methods (upstream's `get_methods`). */
  listMethods(): Promise<string[]> {
    return this.call<string[]>("get_methods");
  }

  /** Runs `method` with `args` as `$1`...; yields output as it arrives, the exit status last. */
  async *output(
    method: string,
    args: readonly string[] = [],
    options: ShellRunOptions = {},
  ): AsyncGenerator<ShellOutput> {
    for await (
      const chunk of this.streamingCall<[string, string, number | null]>(
        "call_method",
        method,
        options.env ?? {},
        ...args,
      )
    ) {
      const [stdout, stderr, code] = chunk;
      yield { stdout, stderr, code };
    }
  }

  /** Runs `method` to the end and returns its whole output and exit status. */
  async run(
    method: string,
    args: readonly string[] = [],
    options: ShellRunOptions = {},
  ): Promise<ShellResult> {
    const result: ShellResult = { stdout: "", stderr: "", code: 0 };
    for await (const chunk of this.output(method, args, options)) {
      result.stdout += chunk.stdout;
      result.stderr += chunk.stderr;
      if (chunk.code !== null) result.code = chunk.code;
    }
    return result;
  }

  /** One command per configured method: `METHOD [ARGS...] [-e KEY=VALUE]`. */
  override commands(): DriverCommand[] {
    const encoder = new TextEncoder();
    const write = (file: typeof Deno.stdout, text: string) => writeAll(file, encoder.encode(text));
    return this.methodNames.map((name) => ({
      name,
      description: this.report.methodsDescription[name] || `run the "${name}" method`,
      arguments: [{ name: "[args...]", description: "arguments, the script's $1, $2..." }],
      options: [{
        flags: "-e, --env <KEY=VALUE>",
        description: "add a variable to the script's environment (repeatable)",
        repeatable: true,
      }],
      passThroughOptions: true,
      examples: ["", "arg1 arg2", "-e VERBOSE=1 -- --flag-for-the-script"],
      run: async (input) => {
        const env: Record<string, string> = {};
        for (const pair of listOption(input, "env")) {
          const at = pair.indexOf("=");
          if (at <= 0) throw new RangeError(`Invalid --env "${pair}": use KEY=VALUE`);
          env[pair.slice(0, at)] = pair.slice(at + 1);
        }
        let code = 0;
        for await (const chunk of this.output(name, listArg(input, "args"), { env })) {
          if (chunk.stdout) await write(Deno.stdout, chunk.stdout);
          if (chunk.stderr) await write(Deno.stderr, chunk.stderr);
          if (chunk.code !== null) code = chunk.code;
        }
        return { exitStatus: code };
      },
    }));
  }
}
