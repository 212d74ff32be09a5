/**
 * What a failure to open a serial port means for its user: one line per
 * errno (no such device, permission denied, not a terminal, busy...) saying
 * what to do, as a driver error.
 *
 * @module
 */
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { Errno, OsError } from "./os_error.ts";

/** Turns an open failure into one line that says what to do. */
export function openError(path: string, error: unknown): DriverError {
  const prefix = `Cannot open serial port "${path}"`;
  const code = error instanceof OsError
    ? error.code
    : error instanceof Deno.errors.NotFound
    ? Errno.ENOENT
    : error instanceof Deno.errors.PermissionDenied
    ? Errno.EACCES
    : undefined;
  switch (code) {
    case Errno.ENOENT:
    case Errno.ENOTDIR:
    case Errno.ENXIO:
      return new UnavailableError(
        `${prefix}: no such device (is it plugged in? see ls -l /dev/serial/by-id/)`,
      );
    case Errno.EACCES:
    case Errno.EPERM:
    case Errno.EROFS:
      return new DriverError(
        "permission_denied",
        `${prefix}: permission denied (add the exporter's user to the device's group, e.g. dialout)`,
      );
    case Errno.ENOTTY:
      return new DriverError(
        "failed_precondition",
        `${prefix}: not a terminal device (use a tty, pty or /dev/serial/by-id/ path)`,
      );
    case Errno.EBUSY:
      return new UnavailableError(`${prefix}: the device is busy (another program holds it)`);
    case Errno.EIO:
      return new UnavailableError(`${prefix}: I/O error (the device or its pty master went away)`);
    default:
      return new UnavailableError(`${prefix}: ${messageOf(error)}`, { cause: error });
  }
}
