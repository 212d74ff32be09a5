/**
 * `UbootSession`: a U-Boot console being driven: stop autoboot, run a
 * command for its output and status, read and write the environment, DHCP,
 * `tftpboot`, and boot a kernel up to its login prompt, where the console is
 * handed back.
 *
 * @module
 */
import type { Console } from "../serial/console.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError } from "../../src/driver/errors.ts";

/** What `run()` returns. */
export interface UbootResult {
  output: string;
  /** U-Boot's `$?`: 0 on success. */
  status: number;
}

/** What `dhcp()` learned. */
export interface DhcpLease {
  ipaddr: string;
  serverip?: string;
  netmask?: string;
  gatewayip?: string;
}

/** Options of `boot()`. */
export interface BootOptions {
  /** What the kernel prints when it is up (default `/login: /`). */
  loginPrompt?: string | RegExp;
  /** Milliseconds to wait for it (default 120000). */
  timeout?: number;
}

const NAME = /^[A-Za-z_][\w.]*$/;

/** The escaped form of `text` as a RegExp source. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A U-Boot console in use; close it (or `await using` it) when done. */
export class UbootSession implements AsyncDisposable {
  readonly #prompt: RegExp;

  constructor(readonly console: Console, prompt: string, readonly name = "uboot") {
    this.#prompt = new RegExp(`${literal(prompt)} $`);
  }

  /**
   * Gets the prompt: presses Ctrl-C every `interval` ms (stopping autoboot,
   * or clearing a half-typed line) until U-Boot shows its prompt.
   */
  async interrupt(options: { timeout?: number; interval?: number } = {}): Promise<void> {
    const timeout = options.timeout ?? 60_000;
    const deadline = performance.now() + timeout;
    while (true) {
      await this.console.send("\x03");
      try {
        await this.console.expect(this.#prompt, { timeout: options.interval ?? 250 });
        // Settle: whatever more key presses printed ends with a prompt too.
        await this.console.send("\x03");
        await this.console.expect(this.#prompt, { timeout: 2_000 });
        return;
      } catch (error) {
        if (!(error instanceof DriverTimeoutError)) throw error;
        if (performance.now() >= deadline) {
          throw new DriverTimeoutError(
            `No U-Boot prompt "${this.#prompt.source.slice(0, -2)}" on ${this.name} within ${
              timeout / 1000
            } s; is the board powered and its console on this serial port? Last output: ${
              this.console.buffer.slice(-300)
            }`,
          );
        }
      }
    }
  }

  /** Runs `cmd` at the prompt; returns its output and `$?`. */
  async run(cmd: string, options: { timeout?: number } = {}): Promise<UbootResult> {
    if (/[\r\n]/.test(cmd)) {
      throw new TypeError(`Cannot run a U-Boot command with a line break: ${JSON.stringify(cmd)}`);
    }
    return await this.console.run(cmd, {
      timeout: options.timeout ?? 30_000,
      prompt: this.#prompt,
    });
  }

  /** Runs `cmd` and fails with its output unless `$?` is 0. */
  async check(cmd: string, options: { timeout?: number } = {}): Promise<string> {
    const result = await this.run(cmd, options);
    if (result.status !== 0) {
      throw new DriverError(
        "failed_precondition",
        `U-Boot command \`${cmd}\` failed with status ${result.status} on ${this.name}: ${
          result.output.trim().split("\n").slice(-3).join(" | ")
        }`,
      );
    }
    return result.output;
  }

  /** The value of environment variable `name`, or undefined when unset. */
  async getEnv(name: string): Promise<string | undefined> {
    checkName(name);
    const { output, status } = await this.run(`printenv ${name}`);
    if (status !== 0) return undefined;
    const line = output.split("\n").find((l) => l.startsWith(`${name}=`));
    return line?.slice(name.length + 1).replace(/\r$/, "");
  }

  /** Sets (or, with undefined, deletes) environment variable `name`. */
  async setEnv(name: string, value: string | undefined): Promise<void> {
    checkName(name);
    if (value !== undefined && /['\r\n]/.test(value)) {
      throw new TypeError(
        `Cannot set U-Boot variable ${name}: single quotes and line breaks are not allowed in ${
          JSON.stringify(value)
        }`,
      );
    }
    await this.check(value === undefined ? `setenv ${name}` : `setenv ${name} '${value}'`);
  }

  /** The whole environment as `printenv` shows it. */
  async env(): Promise<Record<string, string>> {
    const output = await this.check("printenv");
    const env: Record<string, string> = {};
    for (const line of output.split("\n")) {
      const match = line.replace(/\r$/, "").match(/^([^=\s]+)=(.*)$/);
      if (match) env[match[1]] = match[2];
    }
    return env;
  }

  /** Runs `dhcp` without loading anything (`autoload no`) and returns the lease. */
  async dhcp(options: { timeout?: number } = {}): Promise<DhcpLease> {
    const autoload = await this.getEnv("autoload");
    await this.setEnv("autoload", "no");
    try {
      await this.check("dhcp", { timeout: options.timeout ?? 60_000 });
    } finally {
      await this.setEnv("autoload", autoload);
    }
    const ipaddr = await this.getEnv("ipaddr");
    if (!ipaddr) {
      throw new DriverError("unavailable", `U-Boot's dhcp on ${this.name} set no ipaddr`);
    }
    return {
      ipaddr,
      serverip: await this.getEnv("serverip"),
      netmask: await this.getEnv("netmask"),
      gatewayip: await this.getEnv("gatewayip"),
    };
  }

  /**
   * Loads `file` from the TFTP server (`serverip`, set first when given) to
   * memory at `address`; returns the bytes loaded (`filesize`).
   */
  async tftpboot(
    address: string | number,
    file: string,
    options: { serverip?: string; timeout?: number } = {},
  ): Promise<number> {
    const at = typeof address === "number" ? `0x${address.toString(16)}` : address;
    if (!/^(0x)?[0-9a-fA-F]+$/.test(at)) {
      throw new TypeError(
        `Invalid load address ${JSON.stringify(address)}: use hex such as 0x82000000`,
      );
    }
    if (/[\s;'"$]/.test(file)) {
      throw new TypeError(`Invalid TFTP file name ${JSON.stringify(file)}`);
    }
    if (options.serverip !== undefined) await this.setEnv("serverip", options.serverip);
    await this.check(`tftpboot ${at} ${file}`, { timeout: options.timeout ?? 300_000 });
    const size = await this.getEnv("filesize");
    return size === undefined ? NaN : parseInt(size, 16);
  }

  /**
   * Sends a boot command (`boot`, `bootm ...`, `zboot ...`) and waits for the
   * kernel's login prompt; the console is then the kernel's.
   */
  async boot(cmd = "boot", options: BootOptions = {}): Promise<Console> {
    if (/[\r\n]/.test(cmd)) {
      throw new TypeError(`Cannot boot with a line break in ${JSON.stringify(cmd)}`);
    }
    await this.console.sendLine(cmd);
    await this.console.expect(options.loginPrompt ?? /login: /, {
      timeout: options.timeout ?? 120_000,
    });
    return this.console;
  }

  /** Closes the console. */
  async close(): Promise<void> {
    await this.console.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new TypeError(`Invalid U-Boot variable name ${JSON.stringify(name)}`);
}
