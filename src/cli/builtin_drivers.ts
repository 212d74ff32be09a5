/**
 * The one place under `src/` that reaches into `drivers/`: the built-in
 * registry the CLI hands to the exporter and client cores, and the driver
 * clients that CLI commands name (`jumpstarter ssh` goes through a
 * `NetworkClient`). Import it lazily: it loads every driver.
 *
 * @module
 */
export { registry } from "../../drivers/registry.ts";
export { NetworkClient } from "../../drivers/network/client.ts";
export type { VirtualBoard } from "../../drivers/virtual/client.ts";
