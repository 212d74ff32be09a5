/**
 * Finding a program a driver runs (`fastboot`, `openocd`, `sispmctl`...) in
 * PATH, and failing in one line that names it when it is not installed.
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { FailedPreconditionError } from "./errors.ts";

/**
 * The path of `name` (looked up in PATH unless it holds a `/`), or undefined.
 *
 * @example
 * ```ts
 * import { findProgram } from "./find_program.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok((await findProgram("sh"))?.endsWith("/sh"));
 * assert.equal(await findProgram("no-such-program-here"), undefined);
 * ```
 */
export async function findProgram(name: string): Promise<string | undefined> {
  const candidates = name.includes("/")
    ? [name]
    : (Deno.env.get("PATH") ?? "").split(delimiter).filter((d) => d).map((d) => join(d, name));
  for (const path of candidates) {
    try {
      const info = await Deno.stat(path);
      if (info.isFile && (info.mode === null || (info.mode & 0o111) !== 0)) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/**
 * The path of `name`, or a `FailedPreconditionError` saying it is missing
 * and how to get it (`hint`, e.g. "apt-get install fastboot").
 *
 * @example
 * ```ts
 * import { requireProgram } from "./find_program.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   requireProgram("no-such-flasher", "install it or set `program`"),
 *   /^FailedPreconditionError: "no-such-flasher" is not installed/,
 * );
 * ```
 */
export async function requireProgram(name: string, hint: string): Promise<string> {
  const path = await findProgram(name);
  if (path === undefined) {
    throw new FailedPreconditionError(
      `"${name}" is not installed (not found in PATH): ${hint}`,
    );
  }
  return path;
}
