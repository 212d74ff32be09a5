/**
 * The one place under `src/` that reaches into `drivers/`: the built-in
 * registry the CLI hands to the exporter and client cores, and the driver
 * clients that CLI commands name (`jumpstarter ssh` goes through a
 * `NetworkClient`, loaded on use: its UDP forwarding loads `node:dgram` and
 * `node:net`, ~30 ms of every driver command's start-up here). Import it
 * lazily: it loads every driver.
 *
 * @module
 */
export { registry } from "../../drivers/registry.ts";
export type { NetworkClient } from "../../drivers/network/client.ts";

/** The `NetworkClient` class. */
export const networkClientClass = () =>
  import("../../drivers/network/client.ts").then((m) => m.NetworkClient);
export type { VirtualBoard } from "../../drivers/virtual/client.ts";
