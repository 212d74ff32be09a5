/**
 * `ResourceHandle`: the reference to a resource a client opened, as a driver
 * method receives it.
 *
 * @module
 */

/**
 * A reference to a resource a client opened (upstream's handle shape). A
 * driver method takes it as an argument and reads the bytes with
 * `context.openResource(handle)`.
 *
 * @example
 * ```ts
 * import { Driver, readAll, type ResourceHandle, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Flasher extends Driver {
 *   @unary({ params: ["object"] })
 *   async flash(handle: ResourceHandle): Promise<number> {
 *     return (await readAll(this.context.openResource(handle))).byteLength;
 *   }
 * }
 * await using root = await driverHarness(Flasher);
 * const upload = await root.child("dut").upload(ReadableStream.from([new Uint8Array(512)]));
 * assert.equal(await root.child("dut").call("flash", upload.handle), 512);
 * ```
 */
export interface ResourceHandle {
  kind: "client_stream";
  uuid: string;
}
