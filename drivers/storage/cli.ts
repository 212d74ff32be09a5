/**
 * The CLI commands of storage clients, as data: `flash` and `dump` with a
 * progress bar and a summary, and the mux switches `info`, `host`, `dut`
 * and `off`.
 *
 * @module
 */
import type { DriverCommand } from "../../src/client/commands.ts";
import {
  formatResult,
  listOption,
  stringArg,
  stringOption,
} from "../../src/client/command_values.ts";
import type { CliOutput } from "../../src/client/commands.ts";
import type { ProgressCallback, UploadOptions } from "../../src/client/resource_transfer.ts";
import { ProgressBar } from "../../src/client/progress.ts";
import type { JsonValue } from "../../src/driver/json_value.ts";
import { checkEncoding } from "../../src/compression.ts";

/** What the commands drive: a `StorageClient`. */
export interface StorageCommandTarget {
  readonly report: { methodsDescription: Record<string, string> };
  flash(
    path: string,
    options: {
      target?: string;
      encoding?: UploadOptions["encoding"];
      onProgress?: ProgressCallback;
    },
  ): Promise<unknown>;
  dump(path: string, options: { target?: string; onProgress?: ProgressCallback }): Promise<unknown>;
  info(): Promise<JsonValue>;
  host(): Promise<void>;
  dut(): Promise<void>;
  off(): Promise<void>;
}

type VerifiedResult = { verified?: boolean };

/**
 * `flash IMAGE [--target NAME]` and, on a driver that can be read back,
 * `dump OUT`, then `info`, `host`, `dut` and `off`.
 */
export function storageCommands(client: StorageCommandTarget): DriverCommand[] {
  const target = {
    flags: "--target <name>",
    description: "flasher target (partition or device)",
  };
  const flash: DriverCommand = {
    name: "flash",
    description:
      "Write an image to the storage (progress on a terminal, sha256 checked at the end); -t NAME:FILE flashes several targets",
    arguments: [{ name: "[image]", description: "local image file (or give -t NAME:FILE)" }],
    options: [{
      flags: "-t, --target <name[:file]>",
      description:
        "flasher target (partition or device); NAME:FILE flashes FILE there (repeatable, in order)",
      repeatable: true,
    }, {
      flags: "--compression <type>",
      description:
        "gzip, xz, zstd, bz2 or none (default: from the file name); the exporter expands it",
    }],
    examples: [
      "disk.img",
      "disk.img.zst",
      "rootfs.img --target rootfs",
      "-t boot:boot.img -t rootfs:rootfs.img.xz",
    ],
    run: async (input) => {
      const jobs = flashJobs(stringArg(input, "image"), listOption(input, "target"));
      const encoding = parseCompression(stringOption(input, "compression"));
      for (const job of jobs) await flashOne(client, input.output, job, encoding);
    },
  };
  const dump: DriverCommand = {
    name: "dump",
    description: "Copy the storage's content to a local file (sha256 checked at the end)",
    arguments: [{
      name: "<out>",
      description: "local file to create (replaced only when the copy is complete)",
    }],
    options: [target],
    examples: ["backup.img", "rootfs.img --target rootfs"],
    run: async (input) => {
      const { output } = input;
      const out = stringArg(input, "out")!;
      const bar = new ProgressBar("dumping", output.isTerminal);
      const started = performance.now();
      let bytes = 0;
      const result = await client.dump(out, {
        target: stringOption(input, "target"),
        onProgress: (received) => {
          bytes = received;
          bar.update(received);
        },
      }).finally(() => bar.done());
      const seconds = (performance.now() - started) / 1000;
      output.out(
        `Dumped to ${out}: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(1)} s${
          (result as VerifiedResult | null)?.verified ? ", sha256 verified" : ""
        }`,
      );
    },
  };
  const mux: DriverCommand[] = [
    {
      name: "info",
      description: "Show what the driver reports about the storage",
      examples: [""],
      run: async ({ output }) => output.out(formatResult(await client.info())),
    },
    {
      name: "host",
      description: "Connect the storage to the exporter host",
      examples: [""],
      run: () => client.host(),
    },
    {
      name: "dut",
      description: "Connect the storage to the device under test",
      examples: [""],
      run: () => client.dut(),
    },
    {
      name: "off",
      description: "Disconnect the storage from host and device",
      examples: [""],
      run: () => client.off(),
    },
  ];
  const methods = client.report.methodsDescription;
  const dumps = "dump" in methods || "read" in methods;
  // A flasher without a mux (fastboot, a probe) reports none of info/host/dut/off.
  const muxes = mux.some((command) => command.name in methods);
  if (!muxes) {
    return [{
      ...flash,
      description:
        "Flash an image with the device's flashing tool (progress on a terminal, sha256 checked at the end)",
      examples: ["firmware.bin", "app.elf", "boot.img --target boot"],
    }, ...(dumps ? [dump] : [])];
  }
  return [flash, ...(dumps ? [dump] : []), ...mux];
}

/** The `--compression` option: an encoding, "none" (send as is), or undefined (from the name). */
function parseCompression(value: string | undefined): UploadOptions["encoding"] | undefined {
  if (value === undefined) return undefined;
  if (value === "none") return null;
  try {
    return checkEncoding(value);
  } catch {
    throw new RangeError(
      `Invalid --compression "${value}": use gzip, xz, zstd, bz2 or none`,
    );
  }
}

/** One image to one target (undefined: the driver's only or default target). */
export interface FlashJob {
  image: string;
  target?: string;
}

/**
 * What `flash [IMAGE] [-t NAME | -t NAME:FILE ...]` asks for: IMAGE with at
 * most one bare target, or NAME:FILE pairs (without IMAGE), flashed in order.
 */
export function flashJobs(image: string | undefined, targets: string[]): FlashJob[] {
  const pairs = targets.filter((t) => t.includes(":"));
  const bare = targets.filter((t) => !t.includes(":"));
  if (pairs.length > 0) {
    if (image !== undefined || bare.length > 0) {
      throw new TypeError("Give IMAGE [--target NAME], or -t NAME:FILE pairs, not both");
    }
    return pairs.map((pair) => {
      const at = pair.indexOf(":");
      const [target, file] = [pair.slice(0, at), pair.slice(at + 1)];
      if (!target || !file) throw new TypeError(`Invalid -t "${pair}": use NAME:FILE`);
      return { image: file, target };
    });
  }
  if (image === undefined) throw new TypeError("Give an IMAGE to flash, or -t NAME:FILE");
  if (bare.length > 1) {
    throw new TypeError("Give one --target NAME with IMAGE, or -t NAME:FILE pairs");
  }
  return [{ image, target: bare[0] }];
}

async function flashOne(
  client: StorageCommandTarget,
  output: CliOutput,
  job: FlashJob,
  encoding: UploadOptions["encoding"],
): Promise<void> {
  const bar = new ProgressBar(
    job.target ? `flashing ${job.target}` : "flashing",
    output.isTerminal,
  );
  const started = performance.now();
  let bytes = 0;
  const result = await client.flash(job.image, {
    target: job.target,
    encoding,
    onProgress: (sent, total) => {
      bytes = sent;
      bar.update(sent, total);
    },
  }).finally(() => bar.done());
  const seconds = (performance.now() - started) / 1000;
  output.out(
    `Flashed ${job.image}${job.target ? ` to ${job.target}` : ""}: ${
      (bytes / 1024 / 1024).toFixed(1)
    } MB sent in ${seconds.toFixed(1)} s${
      (result as VerifiedResult | null)?.verified ? ", sha256 verified" : ""
    }`,
  );
  if (result !== null && result !== undefined) output.out(formatResult(result));
}
