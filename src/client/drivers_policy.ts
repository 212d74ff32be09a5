/**
 * The ClientConfig's `drivers.allow` / `drivers.unsafe`: upstream loads a
 * driver's client class only when its class path matches an allowed glob
 * (unless unsafe). Here every client class is built in, so the same check
 * decides whether a session may use a driver at all: an exporter offering a
 * driver whose client is not allowed is refused, naming it.
 *
 * @module
 */
import type { DriversPolicy } from "../config/client_config_fields.ts";
import { CLIENT_LABEL, NAME_LABEL } from "../driver/driver_report.ts";
import type { DriverReport } from "../driver/driver_report.ts";
import { FailedPreconditionError } from "../driver/errors.ts";

/** Unix shell-style glob (`*`, `?`, `[...]`), matched case-sensitively as upstream's fnmatchcase. */
export function globMatches(pattern: string, text: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) source += "\\[";
      else {
        let set = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (set.startsWith("!")) set = `^${set.slice(1)}`;
        source += `[${set}]`;
        i = end;
      }
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s").test(text);
}

/** Groups carry no methods of their own: allowed whatever the list says. */
const ALWAYS_ALLOWED = ["jumpstarter_driver_composite.*"];

/** True when `policy` lets a session use a driver whose client class is `clientClass`. */
export function driverAllowed(policy: DriversPolicy, clientClass: string): boolean {
  return policy.unsafe ||
    [...ALWAYS_ALLOWED, ...policy.allow].some((pattern) => globMatches(pattern, clientClass));
}

/** Throws a FailedPreconditionError naming the first reported driver the policy does not allow. */
export function checkDriversPolicy(
  policy: DriversPolicy,
  reports: readonly Pick<DriverReport, "labels">[],
): void {
  if (policy.unsafe) return;
  for (const report of reports) {
    const clientClass = report.labels[CLIENT_LABEL];
    if (!clientClass || driverAllowed(policy, clientClass)) continue;
    const name = report.labels[NAME_LABEL] ?? "(root)";
    throw new FailedPreconditionError(
      `Driver "${name}" needs client class "${clientClass}", which the client config's drivers.allow does not match (allowed: ${
        policy.allow.join(", ") || "none"
      }); add a pattern such as "${clientClass.split(".")[0]}.*" or set drivers.unsafe: true`,
    );
  }
}
