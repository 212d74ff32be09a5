/**
 * The CLI commands of `StorageClient`: `flash` and `dump` with a progress
 * bar and a summary, and the mux switches `info`, `host`, `dut` and `off`.
 *
 * @module
 */
import type { Command } from "commander";
import {
  type CliOutput,
  formatResult,
  type UploadOptions,
} from "../../src/client/driver_client.ts";
import { ProgressBar } from "../../src/client/progress.ts";
import { addExamples, UsageError } from "../../src/client/cli_support.ts";
import { checkEncoding } from "../../src/compression.ts";
import type { StorageClient, VerifiedResult } from "./client.ts";

/**
 * Adds `flash IMAGE [--target NAME]` and, on a driver that can be read back,
 * `dump OUT`, then `info`, `host`, `dut` and `off`.
 */
export function addStorageCommands(
  client: StorageClient,
  command: Command,
  output: CliOutput,
): void {
  addExamples(
    command
      .command("flash")
      .description(
        "Write an image to the storage (progress on a terminal, sha256 checked at the end)",
      )
      .argument("<image>", "local image file")
      .option("--target <name>", "flasher target (partition or device)")
      .option(
        "--compression <type>",
        "gzip, xz, zstd, bz2 or none (default: from the file name); the exporter expands it",
      )
      .action(async (image: string, options: { target?: string; compression?: string }) => {
        const bar = new ProgressBar("flashing", output.isTerminal);
        const started = performance.now();
        let bytes = 0;
        const result = await client.flash(image, {
          target: options.target,
          encoding: parseCompression(options.compression),
          onProgress: (sent, total) => {
            bytes = sent;
            bar.update(sent, total);
          },
        }).finally(() => bar.done());
        const seconds = (performance.now() - started) / 1000;
        output.out(
          `Flashed ${image}: ${(bytes / 1024 / 1024).toFixed(1)} MB sent in ${
            seconds.toFixed(1)
          } s${(result as Partial<VerifiedResult>)?.verified ? ", sha256 verified" : ""}`,
        );
        if (result !== null && result !== undefined) output.out(formatResult(result));
      }),
    "disk.img",
    "disk.img.zst",
    "rootfs.img --target rootfs",
  );
  const methods = client.report.methodsDescription;
  if (!("dump" in methods) && !("read" in methods)) return addMuxCommands(client, command, output);
  addExamples(
    command
      .command("dump")
      .description("Copy the storage's content to a local file (sha256 checked at the end)")
      .argument("<out>", "local file to create (replaced only when the copy is complete)")
      .option("--target <name>", "flasher target (partition or device)")
      .action(async (out: string, options: { target?: string }) => {
        const bar = new ProgressBar("dumping", output.isTerminal);
        const started = performance.now();
        let bytes = 0;
        const result = await client.dump(out, {
          target: options.target,
          onProgress: (received) => {
            bytes = received;
            bar.update(received);
          },
        }).finally(() => bar.done());
        const seconds = (performance.now() - started) / 1000;
        output.out(
          `Dumped to ${out}: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(1)} s${
            (result as Partial<VerifiedResult>)?.verified ? ", sha256 verified" : ""
          }`,
        );
      }),
    "backup.img",
    "rootfs.img --target rootfs",
  );
  addMuxCommands(client, command, output);
}

/** `info`, `host`, `dut` and `off`. */
function addMuxCommands(client: StorageClient, command: Command, output: CliOutput): void {
  addExamples(
    command.command("info").description("Show what the driver reports about the storage")
      .action(async () => output.out(formatResult(await client.info()))),
    "",
  );
  addExamples(
    command.command("host").description("Connect the storage to the exporter host")
      .action(() => client.host()),
    "",
  );
  addExamples(
    command.command("dut").description("Connect the storage to the device under test")
      .action(() => client.dut()),
    "",
  );
  addExamples(
    command.command("off").description("Disconnect the storage from host and device")
      .action(() => client.off()),
    "",
  );
}

/** The `--compression` option: an encoding, "none" (send as is), or undefined (from the name). */
function parseCompression(value: string | undefined): UploadOptions["encoding"] | undefined {
  if (value === undefined) return undefined;
  if (value === "none") return null;
  try {
    return checkEncoding(value);
  } catch {
    throw new UsageError(
      `Invalid --compression "${value}": use gzip, xz, zstd, bz2 or none`,
    );
  }
}
