/**
 * `serial.PySerial`: a serial console on any tty or pty path (a USB serial
 * adapter, `/dev/serial/by-id/...`, a pty made by socat or QEMU), with
 * upstream's `connect` byte stream (raw bytes both ways).
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { byteStream } from "../../src/driver/exports.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { BAUD_RATES } from "./baud_rates.ts";
import { openError } from "./open_error.ts";
import { SerialPort } from "./port.ts";

/**
 * A serial port (upstream alias `jumpstarter_driver_pyserial.driver.PySerial`,
 * client `PySerialClient`).
 *
 * Config:
 * - `url` (required): the device path; a relative path resolves against the
 *   config file's directory. pyserial URL schemes (`socket://`, `rfc2217://`)
 *   are not supported.
 * - `baudrate`: default 115200.
 * - `check_present`: when true, the exporter refuses to start if the device
 *   is missing (default false: a missing device fails each `connect` with a
 *   clear error and the exporter keeps serving, so a board that creates its
 *   USB serial port at power-on works).
 *
 * The port opens (raw mode and baud rate applied through termios) with the
 * first connection and closes with the last one. Several connections may be
 * attached at once: each receives everything the device sends; what they
 * send is interleaved chunk by chunk.
 */
export class PySerial extends Driver {
  static override client = "jumpstarter_driver_pyserial.client.PySerialClient";

  readonly url: string;
  readonly baudrate: number;
  readonly checkPresent: boolean;
  readonly port: SerialPort;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const url = reader.required("url");
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.url: "${url}" is a pyserial URL; only device paths (e.g. /dev/ttyUSB0) are supported`,
      );
    }
    this.url = isAbsolute(url) ? url : resolve(context.baseDir, url);
    this.baudrate = reader.number("baudrate", 115200, 1);
    if (!BAUD_RATES.includes(this.baudrate)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.baudrate: ${this.baudrate} is not a supported rate (use one of ${
          BAUD_RATES.join(", ")
        })`,
      );
    }
    this.checkPresent = reader.boolean("check_present", false);
    this.port = new SerialPort(this.url, this.baudrate, this.log);
  }

  override async open(): Promise<void> {
    try {
      await Deno.stat(this.url);
    } catch (error) {
      if (this.checkPresent) throw openError(this.url, error);
      this.log.info(`${this.url} is not present yet; connections will fail until it appears`);
    }
  }

  override async close(): Promise<void> {
    await this.port.close();
  }

  /** Raw bytes to and from the device; several connections may be open at once. */
  @byteStream({ description: "Raw bytes to and from the serial port" })
  connect(): Promise<Duplex> {
    return this.port.connect();
  }
}
