/**
 * `checkArgs`: checks the arguments of a call against the exported method's
 * declared parameters (their count, and their types when the method names
 * them); a mismatch is a `TypeError` (INVALID_ARGUMENT).
 *
 * @module
 */
import type { Driver } from "./driver.ts";
import type { MethodInfo, ParamType } from "./method_info.ts";
import { RefDriver } from "./ref_driver.ts";

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Throws a `TypeError` unless `args` fit the parameters of `info`. */
export function checkArgs(driver: Driver, info: MethodInfo, args: unknown[]): void {
  if (driver instanceof RefDriver) driver = driver.target;
  // deno-lint-ignore no-explicit-any
  const fn = (driver as any)[info.name] as (...a: unknown[]) => unknown;
  const params: ParamType[] | undefined = info.params;
  const max = params ? params.length : fn.length;
  const min = params ? params.filter((p) => !p.endsWith("?")).length : fn.length;
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new TypeError(
      `${info.name}() takes ${expected} argument${max === 1 ? "" : "s"}, got ${args.length}`,
    );
  }
  if (!params) return;
  args.forEach((arg, i) => {
    const optional = params[i].endsWith("?");
    const want = params[i].replace("?", "");
    if (want === "any" || (optional && arg === null)) return;
    const got = typeOf(arg);
    if (got !== want) {
      throw new TypeError(`${info.name}() argument ${i + 1} must be a ${want}, got ${got}`);
    }
  });
}
