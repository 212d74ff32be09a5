/**
 * `controllerError`: any error as the ConnectError the controller answers
 * with, for unary calls and (`mapStreamErrors`) for streams.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { toConnectError } from "../transport/errors.ts";
import { AuthError } from "./auth_error.ts";
import { NotFoundError } from "./errors.ts";
import { ConflictError, StoreUnavailableError } from "./store/kv.ts";

/** Any error as the ConnectError the controller answers with. */
export function controllerError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof AuthError) return new ConnectError(error.message, Code.Unauthenticated);
  if (error instanceof NotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof ConflictError) return new ConnectError(error.message, Code.Aborted);
  if (error instanceof StoreUnavailableError) {
    return new ConnectError(error.message, Code.Unavailable);
  }
  return toConnectError(error);
}

/** `stream` with its failure as the ConnectError the controller answers with. */
export async function* mapStreamErrors<T>(stream: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* stream;
  } catch (error) {
    throw controllerError(error);
  }
}
