/**
 * Console and storage figures, each beside its baseline from the same run,
 * with the exporter in its own process (as users run it):
 *
 * - console round trip: send one byte to a serial.PySerial console through the
 *   exporter (client, unix socket, driver, pty) and wait for the device's echo,
 *   against the same byte written to the pty directly;
 * - storage flash: a 64 MiB image flashed to a storage.FileStorageMux over the
 *   local socket (upload, sha256 on both ends, fsync, rename), against `cp` of
 *   the same file (and `cp` plus an fsync of the copy, the same durability);
 *   on the fast local channel (what `connect()` picks) and on gRPC; and the
 *   bound of any flash over a local socket: a bare pipe between the same two
 *   processes doing only a flash's work (read, sha256, send; receive, write,
 *   sha256, fsync, rename), with and without the sha256.
 */
import { connect } from "../mod.ts";
import { PtyPair } from "../drivers/serial/pty.ts";
import { startExporterProcess } from "./_exporter.ts";
import { bareFlash } from "./_servers.ts";
import type { SerialClient } from "../drivers/serial/client.ts";
import type { StorageClient } from "../drivers/storage/client.ts";
import { writeAll } from "../src/driver/write_all.ts";

const MiB = 1024 * 1024;
const IMAGE_SIZE = 64 * MiB;

/** The device: a pty whose master echoes back everything it reads. */
const device = PtyPair.open();
// Ends with the device (at exit).
(async () => {
  for await (const chunk of device.readable) await device.write(chunk);
})().catch(() => {});

const dir = await Deno.makeTempDir({ prefix: "jumpstarter-bench-" });
const image = `${dir}/image.img`;
{
  using file = await Deno.open(image, { write: true, create: true });
  const chunk = new Uint8Array(MiB);
  for (let i = 0; i < IMAGE_SIZE / MiB; i++) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    chunk.fill(i, 65536);
    await writeAll(file, chunk);
  }
}

const exporter = await startExporterProcess(
  `export:
  serial: {type: serial.PySerial, config: {url: "${device.path}"}}
  storage: {type: storage.FileStorageMux, config: {path: "${dir}/target.img"}}
`,
  dir,
);
const dut = await connect(exporter.host);
const grpcDut = await connect(exporter.host, { fastPath: false });

const one = new Uint8Array([0x61]);

/** Writes one byte to the pty and reads the echo. */
async function rawRoundTrip(output: Deno.FsFile, input: Deno.FsFile, buffer: Uint8Array) {
  await output.write(one);
  if (await input.read(buffer) === null) throw new Error("pty ended");
}

/** Sends one byte through the console stream and reads the echo. */
async function streamRoundTrip(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  reader: ReadableStreamDefaultReader<Uint8Array>,
) {
  await writer.write(one);
  if ((await reader.read()).done) throw new Error("console ended");
}

// The raw baseline: the pty opened directly, one descriptor per direction as the driver does.
const rawIn = await Deno.open(device.path, { read: true });
const rawOut = await Deno.open(device.path, { write: true });
const rawBuffer = new Uint8Array(64);

Deno.bench({
  name: "raw pty round trip (1 byte, device echo)",
  group: "console round trip",
  baseline: true,
  async fn() {
    await rawRoundTrip(rawOut, rawIn, rawBuffer);
  },
});

let stream:
  | {
    reader: ReadableStreamDefaultReader<Uint8Array>;
    writer: WritableStreamDefaultWriter<Uint8Array>;
  }
  | undefined;

Deno.bench({
  name: "exporter console round trip (1 byte, device echo)",
  group: "console round trip",
  async fn() {
    if (!stream) {
      const duplex = await (dut.serial as SerialClient).stream();
      stream = { reader: duplex.readable.getReader(), writer: duplex.writable.getWriter() };
    }
    await streamRoundTrip(stream.writer, stream.reader);
  },
});

Deno.bench({
  name: "cp of the 64 MiB image",
  group: "flash 64 MiB",
  baseline: true,
  n: 10,
  async fn() {
    const out = await new Deno.Command("cp", { args: [image, `${dir}/copy.img`] }).output();
    if (!out.success) throw new Error("cp failed");
  },
});

Deno.bench({
  name: "cp + fsync of the copy",
  group: "flash 64 MiB",
  n: 10,
  async fn() {
    const out = await new Deno.Command("sh", {
      args: ["-c", 'cp "$1" "$2" && sync "$2"', "sh", image, `${dir}/synced.img`],
    }).output();
    if (!out.success) throw new Error("cp + sync failed");
  },
});

// The same work with no framework at all (see bareFlash), with and without the sha256.
for (
  const [name, sha256] of [
    [
      "bound: bare pipe, no framework (read, sha256, unix socket, write, sha256, fsync, rename)",
      true,
    ],
    ["bound: bare pipe, no framework, no sha256 (read, unix socket, write, fsync, rename)", false],
  ] as const
) {
  Deno.bench({
    name,
    group: "flash 64 MiB",
    n: 10,
    async fn() {
      const conn = await Deno.connect({ transport: "unix", path: exporter.rawFlashPath });
      await bareFlash(conn, image, sha256);
    },
  });
}

Deno.bench({
  name: "jumpstarter storage flash over the local socket (sha256 verified), fast channel",
  group: "flash 64 MiB",
  n: 10,
  async fn() {
    await (dut.storage as StorageClient).flash(image);
  },
});

Deno.bench({
  name: "jumpstarter storage flash over the local socket (sha256 verified), gRPC",
  group: "flash 64 MiB",
  n: 5,
  async fn() {
    await (grpcDut.storage as StorageClient).flash(image);
  },
});

// The process exits right after unload: what must happen happens synchronously.
globalThis.addEventListener("unload", () => {
  rawIn.close();
  rawOut.close();
  void stream?.reader.cancel().catch(() => {});
  void dut.close();
  void grpcDut.close();
  exporter.kill();
  void device.close();
  // Images, spares and copies: several hundred MB.
  Deno.removeSync(dir, { recursive: true });
});
