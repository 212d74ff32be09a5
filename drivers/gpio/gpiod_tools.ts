/**
 * The libgpiod command-line tools a GPIO driver runs (`gpioset`, `gpioget`,
 * `gpiomon`), their paths from the config, and which generation they are
 * (v1 and v2 take different arguments), asked once per path.
 *
 * @module
 */
import { ConfigReader } from "../../src/driver/config_check.ts";
import type { DriverConfig } from "../../src/driver/driver_context.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { requireProgram } from "../../src/driver/find_program.ts";
import type { ToolVersion } from "./line_options.ts";

const HINT = "apt-get install gpiod (libgpiod's tools), or set its path in the config";
const versions = new Map<string, Promise<ToolVersion>>();

/** The three tools' configured names. */
export class GpiodTools {
  readonly gpioset: string;
  readonly gpioget: string;
  readonly gpiomon: string;

  constructor(config: DriverConfig, path: string) {
    const reader = new ConfigReader(config, path);
    this.gpioset = reader.string("gpioset", "gpioset");
    this.gpioget = reader.string("gpioget", "gpioget");
    this.gpiomon = reader.string("gpiomon", "gpiomon");
  }

  /** The path of `tool` (its configured name looked up), or the missing-tool line. */
  path(tool: "gpioset" | "gpioget" | "gpiomon"): Promise<string> {
    return requireProgram(this[tool], HINT);
  }

  /** The tools' generation, from `gpioset --version` (`v1.6.3`, `v2.1`). */
  async version(): Promise<ToolVersion> {
    const program = await this.path("gpioset");
    let known = versions.get(program);
    if (!known) {
      known = (async () => {
        const out = await new Deno.Command(program, { args: ["--version"], stderr: "null" })
          .output();
        const text = new TextDecoder().decode(out.stdout);
        const match = /\bv(\d+)\./.exec(text);
        if (!match || !["1", "2"].includes(match[1])) {
          throw new UnavailableError(
            `Cannot tell which libgpiod tools "${program}" is: \`--version\` printed ${
              JSON.stringify(text.split("\n")[0])
            }`,
          );
        }
        return Number(match[1]) as ToolVersion;
      })();
      versions.set(program, known);
      known.catch(() => versions.delete(program));
    }
    return await known;
  }
}
