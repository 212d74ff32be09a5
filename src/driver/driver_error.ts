/**
 * The base of every error a driver call can end in: `DriverError`, which
 * carries the gRPC status it travels as, and `ErrorCode`, the names of those
 * statuses. The named errors are in `errors.ts`; the mapping of any thrown
 * value to a status and back in `error_codes.ts`.
 *
 * @module
 */

/** gRPC status names used on the wire (same meaning as the numeric codes). */
export type ErrorCode =
  | "cancelled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

/**
 * An error with a gRPC status; the base of every error a driver call can end in.
 * A driver throws it with any status; the client catches it with the same `code`.
 *
 * @example
 * ```ts
 * import { Driver, DriverError, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Lock extends Driver {
 *   @unary()
 *   unlock(): void {
 *     throw new DriverError("permission_denied", "The lab door stays locked at night");
 *   }
 * }
 * await using root = await driverHarness(Lock);
 * await assert.rejects(root.child("dut").call("unlock"), (error) => {
 *   return error instanceof DriverError && error.code === "permission_denied";
 * });
 * ```
 */
export class DriverError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DriverError";
  }
}
