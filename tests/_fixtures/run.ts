/** Runs the project's executables as real processes, the way a user does. */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run -A ENTRY args...` from the repo root. */
export async function runEntry(
  entry: "cli.ts" | "exporter.ts" | "controller.ts",
  args: string[],
  env: Record<string, string> = {},
): Promise<Ran> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/${entry}`, ...args],
    cwd: ROOT,
    // Tests that point HOME elsewhere must not send deno to a new, empty cache.
    env: { NO_COLOR: "1", DENO_DIR: denoDir(), ...env },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Deno's cache directory as this process sees it. */
export function denoDir(): string {
  return Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;
}

/** The command line that runs `jumpstarter` from inside a session. */
export function jumpstarterCommand(...args: string[]): string[] {
  return [Deno.execPath(), "run", "-A", `${ROOT}/cli.ts`, ...args];
}

/** Waits until `path` exists (a socket a daemon creates). */
export async function waitForPath(path: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await Deno.lstat(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${path} did not appear within ${timeoutMs} ms`);
}
