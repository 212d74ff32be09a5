/**
 * `storage.UsbSdMux`: the Linux Automation USB-SD-Mux, switched with
 * `usbsdmux SG_DEVICE host|dut|off`, its card found by the mux's serial
 * number in `/dev/disk/by-id/`.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import type { MuxState } from "./file.ts";
import { ToolStorageMux } from "./tool_mux.ts";
import { diskByIdWithSerial, scsiGenericOf } from "./usb_topology.ts";

/** The card's block device: `storage_device`, or the by-id disk named with `serial`. */
export function usbSdMuxCard(config: DriverConfig, path: string, byId?: string): string {
  const reader = new ConfigReader(config, path);
  const explicit = reader.string("storage_device");
  if (explicit !== undefined) return explicit;
  const serial = reader.string("serial");
  if (serial === undefined) {
    throw new ConfigError(
      `Invalid config ${path}.config: give serial (the mux's, e.g. 000000000123) or storage_device`,
    );
  }
  const found = diskByIdWithSerial(serial, byId);
  if (found.length === 1) return found[0];
  throw new ConfigError(
    found.length === 0
      ? `No USB-SD-Mux with serial "${serial}" under /dev/disk/by-id (is it plugged in?)`
      : `Several disks with serial "${serial}" (${found.join(", ")}): set storage_device`,
  );
}

/**
 * Runs `usbsdmux CONTROL host|dut|off`.
 *
 * Config: `serial` (the mux's serial number; its card is the
 * `/dev/disk/by-id/usb-*_SERIAL-0:0` disk) or `storage_device` (the card's
 * block device), `control` (the mux's SCSI generic node; default the one of
 * the card's device), `storage_timeout` (seconds for the card to answer,
 * default 10), `program` (default `usbsdmux`), `timeout`, and `size`/`spare`
 * as `storage.FileStorageMux`.
 */
export class UsbSdMux extends ToolStorageMux {
  readonly control?: string;

  constructor(config: DriverConfig, context: DriverContext) {
    super({ ...config, path: usbSdMuxCard(config, context.path) }, context, "usbsdmux");
    this.control = new ConfigReader(config, context.path).string("control");
  }

  protected hint(): string {
    return "apt-get install usbsdmux (or pip install usbsdmux), or set `program` to its path";
  }

  protected switchArgs(state: MuxState): string[] {
    const control = this.control ?? scsiGenericOf(this.path);
    if (control === undefined) {
      throw new FailedPreconditionError(
        `${this.label}: no SCSI generic node for "${this.path}" (modprobe sg, or set control: /dev/sgN)`,
      );
    }
    return [control, state];
  }
}
