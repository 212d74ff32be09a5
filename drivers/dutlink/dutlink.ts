/**
 * `dutlink.DutLink`: the DUT Link board (power, a storage mux and a power
 * meter in one USB device) as a composite with `power`, `storage` and,
 * with `alternate_console`, `console` children. Upstream's
 * `jumpstarter_driver_dutlink.driver.Dutlink` config loads.
 *
 * @module
 */
import {
  childContext,
  type DriverConfig,
  type DriverContext,
} from "../../src/driver/driver_context.ts";
import { Driver } from "../../src/driver/driver.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { PySerial } from "../serial/pyserial.ts";
import { DutLinkPower } from "./power.ts";
import { DutLinkShell } from "./shell.ts";
import { DutLinkStorage } from "./storage.ts";
import { shellPort } from "./shell_port.ts";

/**
 * A DUT Link board driven through its control shell.
 *
 * Config: `storage_device` (required: the card's block device on the host,
 * best `/dev/disk/by-id/...`), `serial` (the board's USB serial number: its
 * shell is the tty under `/dev/serial/by-id/` naming it) or `port` (the
 * shell's tty path), `alternate_console` (the DUT's console tty: adds the
 * `console` child), `baudrate` (of that console, default 115200),
 * `timeout_s` (seconds per shell answer, default 20), `storage_timeout`
 * (seconds for the card to appear on the host, default 10).
 */
export class DutLink extends Driver {
  static override client = "jumpstarter_driver_composite.client.CompositeClient";

  readonly shell: DutLinkShell;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const storageDevice = reader.required("storage_device");
    const port = shellPort(reader);
    this.shell = new DutLinkShell(port, 115200, reader.number("timeout_s", 20, 0.01), this.log);
    this.addChild(
      "power",
      new DutLinkPower(
        { description: "Power of the device under test (DUT Link)" },
        childContext(context, "power"),
        this.shell,
      ),
    );
    this.addChild(
      "storage",
      new DutLinkStorage(
        { path: storageDevice, description: "Storage mux of the DUT Link board" },
        childContext(context, "storage"),
        this.shell,
        reader.number("storage_timeout", 10, 0),
      ),
    );
    const console = reader.string("alternate_console");
    if (console !== undefined) {
      this.addChild(
        "console",
        new PySerial(
          { url: console, baudrate: reader.number("baudrate", 115200, 50) },
          childContext(context, "console"),
        ),
      );
    }
  }

  override async close(): Promise<void> {
    await this.shell.close();
  }
}
