/**
 * `which()`: finding a program in PATH, as the shell command of that name
 * does.
 *
 * @module
 */
import { delimiter, join } from "node:path";

/** The first directory in PATH holding `name`, if any. */
export async function which(name: string): Promise<string | undefined> {
  if (name.includes("/")) {
    return await Deno.stat(name).then(() => name, () => undefined);
  }
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
