/**
 * The `jumpstarter` command inside a session: a private folder, put first on
 * the session's PATH, holding a `jumpstarter` that runs this very CLI (the
 * compiled binary, or `deno run` of this clone's `cli.ts` with its config),
 * so `jumpstarter shell -- jumpstarter power on` works wherever the CLI came
 * from. The folder (mode 0700) is removed when the session ends.
 *
 * @module
 */
import { makeOwnedTempDir } from "../transport/owned_temp_dir.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A session's private bin folder. */
export interface SessionBin {
  /** The folder holding `jumpstarter`. */
  dir: string;
  /** PATH with the folder first. */
  path: string;
  close(): Promise<void>;
}

/** Quotes `text` for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Makes the folder; `main` is this CLI's entry module, `exec` the running binary. */
export async function sessionBin(
  main: string = Deno.mainModule,
  exec: string = Deno.execPath(),
): Promise<SessionBin> {
  const dir = await makeOwnedTempDir("bin");
  try {
    const command = join(dir, "jumpstarter");
    if (/(^|\/)deno$/.test(exec) && main.startsWith("file:")) {
      const entry = fileURLToPath(main);
      const config = join(dirname(entry), "deno.json");
      const withConfig = await Deno.stat(config).then(() => true, () => false);
      // Lazy dynamic imports: Deno otherwise reads the whole CLI's module graph (every command's
      // lazily imported modules) before running one. This clone's deno.json asks for them too;
      // the flag keeps them for a CLI run without its config.
      const args = [
        "run",
        "-A",
        "--quiet",
        "--unstable-lazy-dynamic-imports",
        ...(withConfig ? ["--config", config] : []),
        entry,
      ];
      await Deno.writeTextFile(
        command,
        `#!/bin/sh\nexec ${[exec, ...args].map(shellQuote).join(" ")} "$@"\n`,
        { mode: 0o700 },
      );
    } else {
      await Deno.symlink(exec, command);
    }
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  const inherited = Deno.env.get("PATH");
  return {
    dir,
    path: inherited ? `${dir}:${inherited}` : dir,
    close: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}
