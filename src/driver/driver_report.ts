/**
 * How a driver tree is reported to clients (GetReport): one `DriverReport`
 * per node, with the labels naming its client class and its key.
 *
 * @module
 */

/** Label naming the client class that drives a node. */
export const CLIENT_LABEL = "jumpstarter.dev/client";
/** Label holding the node's key under its parent. */
export const NAME_LABEL = "jumpstarter.dev/name";

/** One node as reported by GetReport (the wire's DriverInstanceReport). */
export interface DriverReport {
  uuid: string;
  parentUuid?: string;
  labels: Record<string, string>;
  description?: string;
  methodsDescription: Record<string, string>;
}
