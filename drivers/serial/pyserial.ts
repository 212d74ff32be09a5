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
import { networkTarget, type SerialTarget } from "./serial_device.ts";

/**
 * A serial port (upstream alias `jumpstarter_driver_pyserial.driver.PySerial`,
 * client `PySerialClient`).
 *
 * Config:
 * - `url` (required): the device path (a relative path resolves against the
 *   config file's directory), or pyserial's `socket://HOST:PORT` (raw TCP)
 *   or `rfc2217://HOST:PORT` (serial over Telnet, baud rate set remotely).
 *   Other pyserial schemes (`loop://`, `spy://`, ...) are refused.
 * - `baudrate`: default 115200.
 * - `check_present`: default true, as upstream: the exporter refuses to
 *   start if the device path is missing. False: a missing device fails each
 *   `connect` with a clear error and the exporter keeps serving (a board
 *   that creates its USB serial port at power-on). Not checked for URLs.
 * - `cps`: write at most this many characters per second (slow consoles
 *   that drop input); default: no limit.
 * - `disable_hupcl`: true keeps the modem lines (DTR) up when the port
 *   closes, so a board that resets on DTR is not reset; default false.
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
  readonly cps?: number;
  readonly disableHupcl: boolean;
  readonly port: SerialPort;
  readonly #network?: SerialTarget;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const url = reader.required("url");
    this.#network = networkTarget(url);
    if (!this.#network && /^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.url: "${url}" is not supported; use a device path (e.g. /dev/ttyUSB0), socket://HOST:PORT or rfc2217://HOST:PORT`,
      );
    }
    this.url = this.#network || isAbsolute(url) ? url : resolve(context.baseDir, url);
    this.baudrate = reader.number("baudrate", 115200, 1);
    if (!BAUD_RATES.includes(this.baudrate)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.baudrate: ${this.baudrate} is not a supported rate (use one of ${
          BAUD_RATES.join(", ")
        })`,
      );
    }
    this.checkPresent = reader.boolean("check_present", true);
    const cps = reader.number("cps", 0, 0);
    if (config.cps !== undefined && config.cps !== null && cps <= 0) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.cps: expected characters per second > 0`,
      );
    }
    this.cps = cps > 0 ? cps : undefined;
    this.disableHupcl = reader.boolean("disable_hupcl", false);
    this.port = new SerialPort(this.url, this.baudrate, this.log, {
      target: this.#network,
      cps: this.cps,
      disableHupcl: this.disableHupcl,
    });
  }

  override async open(): Promise<void> {
    if (this.#network) return; // a server that is down now may be up by the first connection
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
