/** Runs the project's executables as real processes, the way a user does. */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** The example exporter config with the virtual board. */
export const VIRTUAL_BOARD = `${ROOT}/examples/virtual-board.yaml`;

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno args...` to its end; `options` as `Deno.Command` takes them (its defaults stand). */
export async function runDeno(
  args: string[],
  options: Omit<Deno.CommandOptions, "args"> = {},
): Promise<Ran> {
  const output = await new Deno.Command(Deno.execPath(), { ...options, args }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `deno run -A ENTRY args...` from the repo root. */
export async function runEntry(
  entry: "cli.ts" | "exporter.ts" | "controller.ts",
  args: string[],
  env: Record<string, string> = {},
): Promise<Ran> {
  return await runDeno(["run", "-A", `${ROOT}/${entry}`, ...args], {
    cwd: ROOT,
    // Tests that point HOME elsewhere must not send deno to a new, empty cache.
    env: { NO_COLOR: "1", DENO_DIR: denoDir(), ...env },
    stdin: "null",
  });
}

/**
 * A function that runs `jumpstarter --exporter-config CONFIG args...` with
 * no stdin, from this process's directory and with its environment (unlike
 * `runEntry`).
 */
export function cliWithConfig(exporterConfig: string): (...args: string[]) => Promise<Ran> {
  return (...args) =>
    runDeno(["run", "-A", `${ROOT}/cli.ts`, "--exporter-config", exporterConfig, ...args], {
      stdin: "null",
    });
}

/** Runs `jumpstarter shell --exporter-config CONFIG -- COMMAND...` (see `runEntry`). */
export async function runInShell(
  exporterConfig: string,
  command: string[],
  env: Record<string, string> = {},
): Promise<Ran> {
  return await runEntry(
    "cli.ts",
    ["shell", "--exporter-config", exporterConfig, "--", ...command],
    env,
  );
}

/** The arguments of `deno` that run the example suite: `test -A examples/boot_test.ts`. */
export function exampleSuiteArgs(): string[] {
  return ["test", "-A", `${ROOT}/examples/boot_test.ts`];
}

/** A `deno` child whose stdout and stderr are read, as they come, into one text. */
export interface Spawned {
  child: Deno.ChildProcess;
  output: () => string;
  /** Settles when its output has been read to the end. */
  drained: Promise<unknown>;
}

/**
 * Spawns `deno args...` with no stdin, collecting its output (see `Spawned`);
 * `wrap` runs it under another command (`["ip", "netns", "exec", NS]`).
 */
export function spawnDeno(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; wrap?: string[] } = {},
): Spawned {
  const { wrap, ...rest } = options;
  const child = new Deno.Command(wrap ? wrap[0] : Deno.execPath(), {
    ...rest,
    args: wrap ? [...wrap.slice(1), Deno.execPath(), ...args] : args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  return { child, output: () => text, drained };
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

/**
 * Another process (a shell) holding `path` open for reading, as QEMU or a
 * loop device holds a disk image; disposing it ends the process.
 */
export async function holdOpen(path: string): Promise<AsyncDisposable> {
  const holder = new Deno.Command("sh", {
    args: ["-c", 'exec 3<"$1"; echo open; read _', "sh", path],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const out = holder.stdout.getReader();
  const { value } = await out.read();
  if (new TextDecoder().decode(value).trim() !== "open") {
    throw new Error(`Cannot hold ${path} open`);
  }
  return {
    async [Symbol.asyncDispose]() {
      await holder.stdin.close().catch(() => {});
      await out.cancel().catch(() => {});
      await holder.status;
    },
  };
}

/** Runs `jumpstarter --client-config CONFIG args...`; its stdout, trimmed, or a failure naming stderr. */
export async function cli(config: string, ...args: string[]): Promise<string> {
  const ran = await runEntry("cli.ts", ["--client-config", config, ...args]);
  if (ran.code !== 0) throw new Error(`jumpstarter ${args.join(" ")} failed: ${ran.stderr}`);
  return ran.stdout.trim();
}
