/**
 * Decompression of uploaded images: gzip in-process (`DecompressionStream`),
 * xz, zstd and bzip2 through the system's own tools (`xz -dc`, `zstd -dc`,
 * `bzip2 -dc`), which are faster than any JavaScript port and already on
 * most hosts. The exporter expands uploads with it; the client uses it to
 * hash what a compressed image expands to.
 *
 * @module
 */
import { DriverError } from "./driver/driver_error.ts";
import { FailedPreconditionError } from "./driver/errors.ts";

/** Content encodings an upload may use (upstream's `x_jmp_content_encoding` values). */
export type ContentEncoding = "gzip" | "xz" | "bz2" | "zstd";

/** Every supported encoding. */
export const ENCODINGS: readonly ContentEncoding[] = ["gzip", "xz", "bz2", "zstd"];

interface Tool {
  command: string;
  args: string[];
  /** The Debian package that provides it. */
  apt: string;
}

const TOOLS: Record<Exclude<ContentEncoding, "gzip">, Tool> = {
  xz: { command: "xz", args: ["-dc"], apt: "xz-utils" },
  zstd: { command: "zstd", args: ["-dc"], apt: "zstd" },
  bz2: { command: "bzip2", args: ["-dc"], apt: "bzip2" },
};

/** The encoding a file name suggests (`.gz`, `.xz`, `.zst`, `.bz2`), or null. */
export function encodingOfPath(path: string): ContentEncoding | null {
  if (/\.(gz|gzip)$/i.test(path)) return "gzip";
  if (/\.xz$/i.test(path)) return "xz";
  if (/\.(zst|zstd)$/i.test(path)) return "zstd";
  if (/\.(bz2|bzip2)$/i.test(path)) return "bz2";
  return null;
}

/** Checks an encoding name, or throws a TypeError naming the supported ones. */
export function checkEncoding(encoding: string): ContentEncoding {
  if ((ENCODINGS as readonly string[]).includes(encoding)) return encoding as ContentEncoding;
  throw new TypeError(
    `Unsupported content encoding "${encoding}": use one of ${ENCODINGS.join(", ")}`,
  );
}

/**
 * A stream pair that expands `encoding`. For xz, zstd and bz2 it runs the
 * system tool; a missing tool fails here with the Debian package to install.
 * Corrupt or truncated input errors the readable side with the tool's message.
 * `commands` overrides a tool's command name (tests).
 */
export function decompressor(
  encoding: string,
  commands: Partial<Record<ContentEncoding, string>> = {},
): ReadableWritablePair<Uint8Array, Uint8Array> {
  const checked = checkEncoding(encoding);
  if (checked === "gzip") {
    return new DecompressionStream("gzip") as unknown as ReadableWritablePair<
      Uint8Array,
      Uint8Array
    >;
  }
  const tool = TOOLS[checked];
  return toolTransform(checked, { ...tool, command: commands[checked] ?? tool.command });
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() ?? "";
}

function toolTransform(
  encoding: ContentEncoding,
  tool: Tool,
): ReadableWritablePair<Uint8Array, Uint8Array> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tool.command, {
      args: tool.args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FailedPreconditionError(
        `Cannot expand ${encoding} data: \`${tool.command}\` is not installed on this host (apt-get install ${tool.apt})`,
      );
    }
    throw error;
  }
  const stderr = new Response(child.stderr).text().catch(() => "");
  const output = child.stdout.getReader();
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await output.read();
      } catch (error) {
        controller.error(error);
        await Promise.all([child.status, stderr]);
        return;
      }
      if (!next.done) {
        controller.enqueue(next.value);
        return;
      }
      const [status, message] = await Promise.all([child.status, stderr]);
      if (status.success) {
        controller.close();
        return;
      }
      const detail = lastLine(message).replace(/^[\w.-]+: /, "") ||
        `exit status ${status.code}`;
      controller.error(
        new DriverError("data_loss", `Cannot expand the ${encoding} data: ${detail}`),
      );
    },
    async cancel(reason) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await output.cancel(reason).catch(() => {});
      await Promise.all([child.status, stderr]);
    },
  });
  // Aborting (an interrupted upload) closes the tool's input early, so it
  // reports truncated data on the readable side.
  const writer = child.stdin.getWriter();
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => writer.write(chunk),
    close: () => writer.close(),
    abort: () => writer.close().catch(() => {}),
  });
  return { readable, writable };
}
