/**
 * Writing a client config's tokens back (after `jumpstarter login` or a
 * refresh): the file's other fields are kept as they are, the new text
 * replaces the old in one rename, and the file stays readable by its owner
 * only.
 *
 * @module
 */
import { parseDocument } from "yaml";
import { ConfigError } from "../driver/config_check.ts";

/** Sets `token` and `refresh_token` in the client config at `path` (mode 0600). */
export async function storeClientTokens(
  path: string,
  tokens: { token: string; refreshToken?: string },
): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(`Cannot update client config "${path}": ${(error as Error).message}`);
  }
  const doc = parseDocument(text);
  doc.set("token", tokens.token);
  if (tokens.refreshToken) doc.set("refresh_token", tokens.refreshToken);
  else doc.delete("refresh_token");
  await writePrivate(path, doc.toString());
}

/** Writes `text` to `path` through a 0600 temporary file and a rename. */
export async function writePrivate(path: string, text: string): Promise<void> {
  const dir = path.replace(/\/[^/]*$/, "") || ".";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeTextFile(temp, text, { mode: 0o600 });
    await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
