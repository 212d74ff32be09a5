/**
 * Converts between domain errors and the wire's ConnectError (gRPC status),
 * in one place for both ends.
 *
 * @module
 */
import { type Code, ConnectError } from "@connectrpc/connect";
import { DriverError, type ErrorCode } from "../driver/driver_error.ts";
import { errorCodeOf, errorFromCode } from "../driver/error_codes.ts";
import { messageOf } from "../driver/error_message.ts";

const names: ErrorCode[] = [
  "cancelled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

/** The numeric gRPC code for a status name. */
export function codeOf(name: ErrorCode): Code {
  return (names.indexOf(name) + 1) as Code;
}

/** Any thrown value as a ConnectError carrying the right gRPC status. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  return new ConnectError(messageOf(error), codeOf(errorCodeOf(error)));
}

/** A ConnectError (or anything) received from the wire, as a domain error. */
export function fromConnectError(error: unknown): Error {
  if (error instanceof DriverError) return error;
  if (error instanceof ConnectError) {
    const name = names[error.code - 1] ?? "unknown";
    return errorFromCode(name, error.rawMessage);
  }
  return error instanceof Error ? error : new Error(String(error));
}
