/**
 * The DUT Link board's control shell on its USB serial port, as its
 * firmware documents it: a command line ended by CR, the answer, then the
 * `#> ` prompt (`power on` → `Device powered on`, `storage host` →
 * `storage connected to host`, `meter read` → `5.02V 0.31A ...`).
 *
 * @module
 */
import { DriverError } from "../../src/driver/driver_error.ts";
import type { Logger } from "../../src/log.ts";
import { SerialExchange } from "../serial/exchange.ts";

/** The shell's prompt. */
export const PROMPT = "#> ";

/** Sends shell commands to one board and checks their answers. */
export class DutLinkShell {
  readonly #exchange: SerialExchange;

  /** `timeout`: seconds to wait for each answer (power sequences can take long). */
  constructor(readonly port: string, baudrate: number, timeout: number, log: Logger) {
    this.#exchange = new SerialExchange(port, baudrate, timeout, log);
  }

  /**
   * Runs `command` and returns its answer (the echoed command and the
   * prompt taken off); an answer that does not match `expect` (a `usage:`
   * line, `unsupported command`) fails in one line.
   */
  run(command: string, expect: RegExp): Promise<string> {
    return this.#exchange.run(async (port) => {
      await port.write(`${command}\r`);
      const text = await port.readUntil(
        PROMPT,
        `the answer to "${command}" and the ${PROMPT}prompt`,
      );
      const answer = text.slice(0, -PROMPT.length).replace(command, "").trim();
      if (!expect.test(answer)) {
        throw new DriverError(
          "failed_precondition",
          `DUT Link ${this.port} answered "${
            answer.split(/\r?\n/).at(-1)
          }" to "${command}" (is the board's shell on this port, not its console mode?)`,
        );
      }
      return answer;
    });
  }

  /** Closes the port. */
  close(): Promise<void> {
    return this.#exchange.close();
  }
}
