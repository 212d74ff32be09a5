/**
 * The controller's own error for a missing lease, exporter, identity or
 * policy; the servers map it to NotFound.
 *
 * @module
 */

/** No such lease, exporter or identity (or not the caller's). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}
