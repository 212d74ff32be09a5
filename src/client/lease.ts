/**
 * Leasing a board from a controller and connecting to it: `lease()` gives
 * the driver tree of a leased board, so everything that works in local mode
 * (`env()`, driver commands, tests) works unchanged on a leased board.
 *
 * @module
 */
import { connect } from "./connect.ts";
import type { Connected } from "./connected.ts";
import type { CompositeClient, DriverClient } from "./driver_client.ts";
import { acquire, type LeaseOptions } from "./lease_acquire.ts";
import type { ClientRegistry } from "./tree.ts";

/**
 * Leases a board and returns its driver tree, like `env()`; disposing it
 * closes the connection and releases the lease.
 *
 * @example Needs a controller and a client config (see docs/distributed.md):
 * ```ts ignore
 * import { lease } from "./lease.ts";
 * import { registry, type VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * await using dut = await lease<VirtualBoard>({
 *   selector: "board=virtual",
 *   duration: "10m",
 *   registry,
 * });
 * await dut.power.on();
 * ```
 */
export async function lease<T extends DriverClient = CompositeClient>(
  options: LeaseOptions & { registry: ClientRegistry },
): Promise<Connected<T>> {
  const held = await acquire(options);
  let root: Connected<T>;
  try {
    root = await connect<T>(held.tunnel.host, {
      fastTarget: held.tunnel.fastTarget,
      registry: options.registry,
      drivers: held.drivers,
    });
  } catch (error) {
    await held.close();
    throw error;
  }
  const closeClient = root.close;
  const close = async () => {
    await closeClient();
    await held.close();
  };
  Object.defineProperties(root, {
    close: { value: close, configurable: true, writable: true },
    [Symbol.asyncDispose]: { value: close, configurable: true, writable: true },
    lease: { value: { name: held.name, controller: held.controller } },
  });
  return root;
}
