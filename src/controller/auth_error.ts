/**
 * `AuthError`: an authentication failure, always UNAUTHENTICATED on the wire.
 *
 * @module
 */

/** An authentication failure; always UNAUTHENTICATED on the wire. */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthError";
  }
}
