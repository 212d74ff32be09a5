/**
 * How the client reports a failure of a fast-channel connection: a read or
 * write error becomes an UnavailableError (a domain error passes as it is).
 *
 * @module
 */
import { DriverError } from "../../driver/driver_error.ts";
import { messageOf } from "../../driver/error_message.ts";
import { UnavailableError } from "../../driver/errors.ts";

/** A read or write failure on a byte connection, as the client reports it. */
export function streamError(error: unknown): unknown {
  if (error instanceof DriverError) return error;
  if (error instanceof Deno.errors.Interrupted) return new UnavailableError("Stream closed");
  return new UnavailableError(`The exporter ended the stream: ${messageOf(error)}`, {
    cause: error,
  });
}
