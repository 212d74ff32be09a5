/**
 * Errors and the gRPC status they travel as: the status of any thrown value
 * (`errorCodeOf`), and the most specific domain error for a status received
 * from the wire (`errorFromCode`).
 *
 * @module
 */
import { DriverError, type ErrorCode } from "./driver_error.ts";
import {
  DriverNotFoundError,
  DriverTimeoutError,
  FailedPreconditionError,
  NotImplementedError,
  UnavailableError,
} from "./errors.ts";

const byCode: Partial<Record<ErrorCode, new (message: string) => DriverError>> = {
  unimplemented: NotImplementedError,
  not_found: DriverNotFoundError,
  deadline_exceeded: DriverTimeoutError,
  unavailable: UnavailableError,
  failed_precondition: FailedPreconditionError,
};

/** Rebuilds the most specific domain error for a status received from the wire. */
export function errorFromCode(code: ErrorCode, message: string): DriverError {
  const ErrorClass = byCode[code];
  if (ErrorClass) return new ErrorClass(message);
  if (code === "invalid_argument") {
    const error = new DriverError(code, message);
    error.name = "InvalidArgumentError";
    return error;
  }
  return new DriverError(code, message);
}

/** The gRPC status an error thrown by a driver travels as. */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof DriverError) return error.code;
  if (error instanceof TypeError || error instanceof RangeError) return "invalid_argument";
  if (error instanceof Deno.errors.TimedOut) return "deadline_exceeded";
  if (error instanceof DOMException && error.name === "TimeoutError") return "deadline_exceeded";
  if (error instanceof DOMException && error.name === "AbortError") return "cancelled";
  if (
    error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted || error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.BrokenPipe
  ) return "unavailable";
  if (error instanceof Deno.errors.PermissionDenied) return "permission_denied";
  if (error instanceof Deno.errors.NotFound) return "not_found";
  if (error instanceof Deno.errors.AlreadyExists) return "already_exists";
  return "unknown";
}
