/**
 * The client of U-Boot consoles (upstream label
 * `jumpstarter_driver_uboot.client.UbootConsoleClient`): opens a session on
 * the console's serial child, power-cycling the board into U-Boot when
 * asked; the CLI commands are in `commands.ts`.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { SerialClient } from "../serial/client.ts";
import type { ConsoleOptions } from "../serial/console.ts";
import { PowerClient } from "../power/client.ts";
import { UbootSession } from "./session.ts";
import { ubootCommands } from "./commands.ts";

/** Options of `UbootClient.open()`. */
export interface UbootOpenOptions extends ConsoleOptions {
  /** Power-cycle the board first (needs a `power` child). */
  cycle?: boolean;
  /** Milliseconds to wait for the prompt (default 60000). */
  promptTimeout?: number;
}

/**
 * Drives U-Boot on a board's serial console.
 *
 * @example
 * ```ts ignore
 * import { env, UbootClient } from "@jumpstarter/jumpstarter";
 *
 * await using dut = await env();
 * await using uboot = await dut.child("uboot", UbootClient).open({ cycle: true });
 * await uboot.setEnv("serverip", "192.168.77.1");
 * await uboot.tftpboot("0x03000000", "vmlinuz");
 * const console = await uboot.boot("zboot 0x03000000");
 * await console.sendLine("root");
 * ```
 */
export class UbootClient extends DriverClient {
  /** The prompt the driver is configured with. */
  prompt(): Promise<string> {
    return this.call<string>("get_prompt");
  }

  /** Whether the console has a power child to cycle. */
  get hasPower(): boolean {
    return this.children.has("power");
  }

  /**
   * Opens the console and gets the U-Boot prompt (after a power cycle with
   * `cycle`); close the session (or `await using` it) when done.
   */
  async open(options: UbootOpenOptions = {}): Promise<UbootSession> {
    if (options.cycle && !this.hasPower) {
      throw new TypeError(
        `Cannot power-cycle through ${this.name}: it has no power child; add children: {power: {ref: board.power}}`,
      );
    }
    const prompt = await this.prompt();
    const console = await this.child("serial", SerialClient).open(options);
    const session = new UbootSession(console, prompt, this.name);
    try {
      if (options.cycle) {
        const power = this.child("power", PowerClient);
        await power.off();
        await power.on();
      }
      await session.interrupt({ timeout: options.promptTimeout });
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  /** `run`, `env`, `setenv`, `dhcp`, `tftpboot` and `boot`. */
  override commands(): DriverCommand[] {
    return ubootCommands(this);
  }
}
