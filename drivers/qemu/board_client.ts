/**
 * The client-side shape of a `qemu.Qemu` board exported with its children
 * under their own names (as `examples/qemu-board.yaml` does):
 * `connect<QemuBoard>(host)` then `dut.video.waitForText("login:")`.
 *
 * @module
 */
import type { CompositeClient } from "../../src/client/driver_client.ts";
import type { PowerClient } from "../power/client.ts";
import type { SerialClient } from "../serial/client.ts";
import type { StorageClient } from "../storage/client.ts";
import type { VideoClient } from "../video/client.ts";

/** A QEMU board: `power`, `serial` (ttyS0), `storage` (its disk) and `video` (its screen). */
export interface QemuBoard extends CompositeClient {
  power: PowerClient;
  serial: SerialClient;
  storage: StorageClient;
  video: VideoClient;
}
