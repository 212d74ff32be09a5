/**
 * Domain errors shared by drivers, the exporter and the client. Each carries
 * the gRPC status it travels as, so a driver throws `NotImplementedError` and
 * the client catches a `NotImplementedError` again on the other side.
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

/** An error with a gRPC status; the base of every error a driver call can end in. */
export class DriverError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DriverError";
  }
}

/** The driver does not implement this operation (UNIMPLEMENTED). */
export class NotImplementedError extends DriverError {
  constructor(message: string) {
    super("unimplemented", message);
    this.name = "NotImplementedError";
  }
}

/** No driver or method by that name or uuid (NOT_FOUND). */
export class DriverNotFoundError extends DriverError {
  constructor(message: string) {
    super("not_found", message);
    this.name = "DriverNotFoundError";
  }
}

/** An operation ran past its deadline (DEADLINE_EXCEEDED). */
export class DriverTimeoutError extends DriverError {
  constructor(message: string) {
    super("deadline_exceeded", message);
    this.name = "DriverTimeoutError";
  }
}

/** The device or a connection to it cannot be reached (UNAVAILABLE). */
export class UnavailableError extends DriverError {
  constructor(message: string, options?: ErrorOptions) {
    super("unavailable", message, options);
    this.name = "UnavailableError";
  }
}

/** The session or device is not in a state that allows this call (FAILED_PRECONDITION). */
export class FailedPreconditionError extends DriverError {
  constructor(message: string) {
    super("failed_precondition", message);
    this.name = "FailedPreconditionError";
  }
}

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

/** A one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
