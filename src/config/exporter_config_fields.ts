/**
 * Upstream ExporterConfig fields beside the driver tree: `motd`,
 * `exitOnLeaseEnd`, `failureDetection`, `grpcOptions`, and a driver's
 * `methods_description`. Each is read as upstream reads it, or refused in
 * one line when this exporter cannot honour it.
 *
 * @module
 */
import { ConfigError } from "../driver/config_check.ts";
import { describeValue } from "./describe_value.ts";

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `motd`: the session's message of the day (a string, or absent). */
export function motdFrom(doc: Record<string, unknown>, where: string): string | undefined {
  const value = doc.motd;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new ConfigError(
      `Invalid exporter config${where}: motd is ${describeValue(value)}; expected text`,
    );
  }
  return value;
}

/** `exitOnLeaseEnd`: exit after a lease ends (its afterLease hook and reset done). */
export function exitOnLeaseEndFrom(doc: Record<string, unknown>, where: string): boolean {
  const value = doc.exitOnLeaseEnd;
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") {
    throw new ConfigError(
      `Invalid exporter config${where}: exitOnLeaseEnd is ${
        describeValue(value)
      }; expected true or false`,
    );
  }
  return value;
}

/** Upstream's defaults, which describe its own supervisor (and which it writes into configs). */
const FAILURE_DETECTION_DEFAULTS = { maxRapidFailures: 5, rapidFailureWindow: 60 };

/**
 * `failureDetection`: upstream's exporter restarts a child process and
 * gives up after rapid failures. This exporter runs in one process and
 * leaves restarts to its supervisor (systemd, Kubernetes), so upstream's
 * defaults are accepted and any other value is refused.
 */
export function checkFailureDetection(doc: Record<string, unknown>, where: string): void {
  const value = doc.failureDetection;
  if (value === undefined || value === null) return;
  if (!isMapping(value)) {
    throw new ConfigError(
      `Invalid exporter config${where}: failureDetection must be a mapping, not ${
        describeValue(value)
      }`,
    );
  }
  for (const [key, given] of Object.entries(value)) {
    const known = FAILURE_DETECTION_DEFAULTS[key as keyof typeof FAILURE_DETECTION_DEFAULTS];
    if (known === undefined) {
      throw new ConfigError(
        `Invalid exporter config${where}: failureDetection.${key} is not a known key (maxRapidFailures, rapidFailureWindow)`,
      );
    }
    if (given !== known) {
      throw new ConfigError(
        `Unsupported exporter config${where}: failureDetection.${key} is ${
          describeValue(given)
        }, but this exporter does not restart itself (only ${known} is accepted); let systemd or Kubernetes restart it, and remove failureDetection`,
      );
    }
  }
}

/** A driver's `methods_description`: method name → help text shown by the client. */
export function methodsDescriptionFrom(
  node: Record<string, unknown>,
  path: string,
): Record<string, string> {
  const value = node.methods_description;
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    throw new ConfigError(
      `Invalid exporter config at ${path}.methods_description: expected a mapping of method names to text, got ${
        describeValue(value)
      }`,
    );
  }
  const out: Record<string, string> = {};
  for (const [method, text] of Object.entries(value)) {
    if (typeof text !== "string") {
      throw new ConfigError(
        `Invalid exporter config at ${path}.methods_description.${method}: expected text, got ${
          describeValue(text)
        }`,
      );
    }
    out[method] = text;
  }
  return out;
}
