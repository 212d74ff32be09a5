/**
 * `virtual.Board`: a whole simulated board in one config entry, with
 * `power`, `serial` and `storage` children sharing one board.
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
import { DEFAULT_BOOT_DELAY } from "./board_state.ts";
import { VirtualConsole } from "./console.ts";
import { VirtualPower } from "./power.ts";
import { VirtualStorage } from "./storage.ts";

/**
 * A virtual board with power, serial and storage children.
 *
 * Config: `bootDelay` (ms from power on to the login prompt, default 500),
 * `path` (disk image; default a temporary file). Boards under different
 * export names are independent.
 */
export class Board extends Driver {
  static override client = "jumpstarter_driver_composite.client.CompositeClient";

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const shared = {
      board: reader.string("board", context.name || "board"),
      bootDelay: reader.number("bootDelay", DEFAULT_BOOT_DELAY, 0),
    };
    this.addChild(
      "power",
      new VirtualPower(
        { ...shared, description: "Power switch of the virtual board" },
        childContext(context, "power"),
      ),
    );
    this.addChild(
      "serial",
      new VirtualConsole(
        { ...shared, description: "Serial console of the virtual board" },
        childContext(context, "serial"),
      ),
    );
    this.addChild(
      "storage",
      new VirtualStorage(
        { ...shared, path: reader.string("path"), description: "Disk of the virtual board" },
        childContext(context, "storage"),
      ),
    );
  }
}
