/**
 * `runScript`: runs a configured script to the end and returns its output,
 * with a timeout as a `DriverTimeoutError`.
 *
 * @module
 */
import { DriverTimeoutError } from "./errors.ts";
import { type ScriptOptions, streamScript } from "./script.ts";

/** What `runScript()` returns. */
export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` to the end and returns its output; a timeout throws a
 * `DriverTimeoutError` naming `what`.
 */
export async function runScript(
  script: string,
  options: ScriptOptions,
  what = `\`${script}\``,
): Promise<ScriptResult> {
  const result: ScriptResult = { code: 0, stdout: "", stderr: "" };
  let timedOut = false;
  for await (const chunk of streamScript(script, options)) {
    result.stdout += chunk.stdout;
    result.stderr += chunk.stderr;
    if (chunk.code !== null) result.code = chunk.code;
    timedOut ||= chunk.timedOut === true;
  }
  if (timedOut) {
    throw new DriverTimeoutError(`${what} timed out after ${options.timeout} s`);
  }
  return result;
}
