/**
 * Secrets on the command line and on disk: a token given as "-" is read
 * from stdin (so it stays out of the process list and shell history), and
 * files holding one are written mode 0600 in a 0700 folder.
 *
 * @module
 */
import { UsageError } from "./run.ts";

/** The value of a secret option: itself, or stdin's first line when "-". */
export async function readSecretArg(value: string, flag: string): Promise<string> {
  if (value !== "-") return value;
  const text = await new Response(Deno.stdin.readable).text();
  const token = text.split("\n")[0].trim();
  if (!token) throw new UsageError(`${flag} -: stdin was empty; pipe the token in`);
  return token;
}

/** Writes `text` to `path` (mode 0600), making its folder (mode 0700) if needed. */
export async function writeSecretFile(path: string, text: string): Promise<void> {
  const dir = path.replace(/\/[^/]*$/, "") || "/";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chmod(path, 0o600);
}
