/**
 * `qemu.Qemu`'s `serial` child: the guest's ttyS0 as console streams.
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { byteStream } from "../../src/driver/exports.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { ConsoleStreams } from "../serial/console_streams.ts";
import type { QemuMachine } from "./machine.ts";

/**
 * The guest's ttyS0 (upstream client `PySerialClient`). Each `connect`
 * stream gets everything the guest prints from then on, across power
 * cycles; what a client writes is typed on the port (dropped while off).
 */
export class QemuSerial extends Driver {
  static override client = "jumpstarter_driver_pyserial.client.PySerialClient";

  readonly #streams: ConsoleStreams;

  constructor(config: DriverConfig, context: DriverContext, readonly machine: QemuMachine) {
    super(config, context);
    // Closing the input (a half-close) ends input only: output keeps flowing until
    // the client cancels. Aborting it ends the stream.
    this.#streams = new ConsoleStreams(machine, { disconnectOnAbort: true });
  }

  /** Open console streams. */
  get connections(): number {
    return this.#streams.size;
  }

  @byteStream({ description: "Connect to the VM's serial console (ttyS0)" })
  connect(): Duplex {
    return this.#streams.connect();
  }

  override close(): void {
    this.#streams.close();
  }
}
