/**
 * `storage.SdWire`: the SDWire SD-card mux (Tizen/Badgerd), switched with
 * `sd-mux-ctrl`, its card found as the block device of the card reader
 * beside its controller on the same USB hub. Upstream's
 * `jumpstarter_driver_sdwire.driver.SDWire` config loads.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { NotImplementedError } from "../../src/driver/errors.ts";
import type { MuxState } from "./file.ts";
import { ToolStorageMux } from "./tool_mux.ts";
import { blockDevicesBeside } from "./usb_topology.ts";

/** The card's block device: `storage_device`, or the one reader beside the SDWire `serial`. */
export function sdWireCard(config: DriverConfig, path: string, sys = "/sys"): string {
  const reader = new ConfigReader(config, path);
  const serial = reader.required("serial");
  const explicit = reader.string("storage_device");
  if (explicit !== undefined) return explicit;
  const found = blockDevicesBeside(serial, sys);
  if (found.length === 1) return found[0];
  throw new ConfigError(
    found.length === 0
      ? `No SDWire with serial "${serial}" and a card reader beside it on its USB hub (is it plugged in? \`sd-mux-ctrl --list\` shows serials; or set storage_device)`
      : `Several block devices beside SDWire "${serial}" (${found.join(", ")}): set storage_device`,
  );
}

/**
 * Runs `sd-mux-ctrl --device-serial=SERIAL --ts|--dut`.
 *
 * Config: `serial` (required: the SDWire's serial, as `sd-mux-ctrl --list`
 * shows it), `storage_device` (upstream's: the card's block device, best a
 * `/dev/disk/by-path/...` name; default found beside the SDWire),
 * `storage_timeout` (upstream's: seconds for the card to answer on the
 * host, default 10), `vendor`/`product` (the controller's USB IDs, default
 * `0x04e8`/`0x6001`), `program` (default `sd-mux-ctrl`), `timeout`, and
 * `size`/`spare` as `storage.FileStorageMux`.
 */
export class SdWire extends ToolStorageMux {
  readonly serial: string;
  readonly ids: string[];

  constructor(config: DriverConfig, context: DriverContext) {
    super({ ...config, path: sdWireCard(config, context.path) }, context, "sd-mux-ctrl");
    const reader = new ConfigReader(config, context.path);
    this.serial = reader.required("serial");
    this.ids = [
      `--vendor=${reader.string("vendor", "0x04e8")}`,
      `--product=${reader.string("product", "0x6001")}`,
    ];
  }

  protected hint(): string {
    return "build sd-mux-ctrl from git.tizen.org/cgit/tools/testlab/sd-mux (not packaged), or set `program` to its path";
  }

  protected switchArgs(state: MuxState): string[] {
    if (state === "off") {
      throw new NotImplementedError(`${this.label}: an SDWire has no off state; use host or dut`);
    }
    return [`--device-serial=${this.serial}`, ...this.ids, state === "host" ? "--ts" : "--dut"];
  }
}
