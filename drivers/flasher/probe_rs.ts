/**
 * `flasher.ProbeRs`: microcontrollers behind a debug probe, flashed with
 * `probe-rs download`. Upstream's `jumpstarter_driver_probe_rs.driver.ProbeRs`
 * config loads; its `info`, `reset_target` and `erase` calls are here too.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { unary } from "../../src/driver/exports.ts";
import { requireProgram } from "../../src/driver/find_program.ts";
import { FlasherDriver } from "./interface.ts";
import type { StagedImage } from "./staged_image.ts";

const HINT =
  "install probe-rs (https://probe.rs/docs/getting-started/installation/; no Debian package), or set probe_rs_path";

/**
 * Flashes with `probe-rs`, configured through its environment variables as
 * upstream does.
 *
 * Config (upstream's keys): `probe` (VID:PID[:SERIAL]), `probe_rs_path`
 * (default `probe-rs`), `chip` (e.g. `STM32F401RETx`), `protocol` (`swd` or
 * `jtag`), `connect_under_reset`, `speed` (kHz). Ours: `address` (where a
 * raw `.bin` goes, default `0x08000000`), `reset` (default true: reset and
 * run after flashing), `timeout` (seconds, default 300).
 */
export class ProbeRs extends FlasherDriver {
  readonly programName: string;
  readonly env: Record<string, string>;
  readonly address: number;
  readonly resetAfter: boolean;
  readonly timeout: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.programName = reader.string("probe_rs_path", "probe-rs");
    this.env = { PROBE_RS_NON_INTERACTIVE: "true" };
    const probe = reader.string("probe");
    const chip = reader.string("chip");
    const protocol = reader.string("protocol");
    const speed = reader.number("speed", 0, 0);
    if (probe) this.env.PROBE_RS_PROBE = probe;
    if (chip) this.env.PROBE_RS_CHIP = chip;
    if (protocol) this.env.PROBE_RS_PROTOCOL = protocol;
    if (reader.boolean("connect_under_reset", false)) {
      this.env.PROBE_RS_CONNECT_UNDER_RESET = "true";
    }
    if (speed) this.env.PROBE_RS_SPEED = String(speed);
    this.address = reader.number("address", 0x08000000, 0);
    this.resetAfter = reader.boolean("reset", true);
    this.timeout = reader.number("timeout", 300, 0);
  }

  protected program(): { name: string; hint: string } {
    return { name: this.programName, hint: HINT };
  }

  protected resolveTarget(target: string | null | undefined): string {
    return this.singleTarget(target, "A probe-rs flasher");
  }

  protected async flashImage(image: StagedImage, _target: string, program: string) {
    const format = image.format === "bin"
      ? ["--binary-format", "bin", "--base-address", `0x${this.address.toString(16)}`]
      : image.format === "hex"
      ? ["--binary-format", "hex"]
      : [];
    await this.#probeRs(program, ["download", ...format, image.path], "download");
    if (this.resetAfter) await this.#probeRs(program, ["reset"], "reset");
  }

  /** What probe-rs reports about the probe and the chip. */
  @unary({ description: "Show probe and chip information (probe-rs info)" })
  async info(): Promise<string> {
    return await this.#probeRs(await requireProgram(this.programName, HINT), ["info"], "info");
  }

  /** Resets the chip. */
  @unary({ description: "Reset the target chip (probe-rs reset)" })
  async reset_target(): Promise<string> {
    return await this.#probeRs(await requireProgram(this.programName, HINT), ["reset"], "reset");
  }

  /** Erases the chip's flash. */
  @unary({ description: "Erase the target's flash (probe-rs erase)" })
  async erase(): Promise<string> {
    return await this.#probeRs(await requireProgram(this.programName, HINT), ["erase"], "erase");
  }

  async #probeRs(program: string, args: string[], what: string): Promise<string> {
    const { stdout } = await this.tools.run(program, args, {
      what: `probe-rs ${what}`,
      timeout: this.timeout,
      env: this.env,
      explain: (output) =>
        output.split("\n").map((l) => l.trim()).find((l) => /^(Error|error)[: ]/.test(l)),
      onLine: (line) => this.log.debug(line),
    });
    return stdout;
  }
}
