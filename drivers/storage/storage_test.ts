/**
 * storage.FileStorageMux and storage.CommandStorageMux through a real
 * exporter on a unix socket: flashing (plain and compressed), dumping,
 * interrupted and refused transfers, checksum checks.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { driverHarness, eventually, localDevice } from "../../testing.ts";
import { connect } from "../../mod.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { serveLocal } from "../../src/exporter/local.ts";
import { registry } from "../registry.ts";
import { decompressor } from "../../src/compression.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import {
  FailedPreconditionError,
  NotImplementedError,
  UnavailableError,
} from "../../src/driver/errors.ts";
import { cliWithConfig, holdOpen } from "../../tests/_fixtures/run.ts";
import type { StorageClient } from "./client.ts";
import type { VerifiedResult } from "./client_options.ts";
import { FileStorageMux } from "./file.ts";
import { parseSize } from "./byte_size.ts";
import type { TransferResult } from "./transfer_result.ts";
import { writeAll } from "../../src/driver/write_all.ts";

const MiB = 1024 * 1024;

/** Writes `size` bytes of varied but compressible data; returns its sha256. */
async function makeImage(path: string, size: number, seed = 0): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const chunk = new Uint8Array(Math.min(MiB, size));
  for (let done = 0; done < size; done += chunk.byteLength) {
    crypto.getRandomValues(chunk.subarray(0, Math.min(16384, chunk.byteLength)));
    chunk.fill((done / MiB + seed) % 251, 16384);
    hash.update(chunk);
    await writeAll(file, chunk);
  }
  return hash.digest("hex");
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of (await Deno.open(path)).readable) hash.update(chunk);
  return hash.digest("hex");
}

async function run(command: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(command, { args, stderr: "piped" }).output();
  if (!out.success) throw new Error(`${command} failed: ${new TextDecoder().decode(out.stderr)}`);
}

function storageConfig(dir: string, config: Record<string, unknown>, type = "FileStorageMux") {
  return exporterConfigFrom({ export: { storage: { type: `storage.${type}`, config } } }, dir);
}

async function partials(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".partial")) names.push(entry.name);
  }
  return names;
}

Deno.test("FileStorageMux flash() takes a 256 MiB image plain, gzip, zstd and xz, sha256 verified", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const image = `${dir}/disk.img`;
    const sha256 = await makeImage(image, 256 * MiB);
    await run("gzip", "-1", "-k", image);
    await run("zstd", "-q", "-1", "-T0", image, "-o", `${image}.zst`);
    await run("xz", "-0", "-T0", "-k", image);
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    for (const file of [image, `${image}.gz`, `${image}.zst`, `${image}.xz`]) {
      await Deno.remove(`${dir}/target.img`).catch(() => {});
      let progress = 0;
      const result = await storage.flash<VerifiedResult>(file, {
        onProgress: (sent) => progress = sent,
      });
      assert.deepEqual(result, { size: 256 * MiB, sha256, verified: true }, file);
      assert.equal(progress, (await Deno.stat(file)).size, `${file}: progress counts sent bytes`);
      assert.equal(await sha256Of(`${dir}/target.img`), sha256, file);
    }
    assert.deepEqual(await partials(dir), []);
    const info = await storage.info<Record<string, unknown>>();
    assert.equal(info.size, 256 * MiB);
    assert.equal(info.mux, "dut", "flash switches back to the device");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
}

/** An upload that fails after `size` bytes, as a pulled network cable does. */
function failingUpload(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) {
        controller.error(new Error("network cable pulled"));
        return;
      }
      sent += MiB;
      controller.enqueue(new Uint8Array(MiB).fill(1));
    },
  });
}

/**
 * Flashes `source` through an upload handle, as the client's flash() does
 * with a file; resolves with how the flash call and the upload ended.
 */
async function flashUpload(storage: StorageClient, source: ReadableStream<Uint8Array>) {
  const upload = await storage.upload(source);
  const [flashed, uploaded] = await Promise.allSettled([
    storage.call("flash", upload.handle, null),
    upload.done,
  ]);
  return { flashed, uploaded };
}

/** The message a flash failed with (fails the test if it did not). */
function failure(flashed: PromiseSettledResult<unknown>): string {
  assert.equal(flashed.status, "rejected");
  return (flashed as PromiseRejectedResult).reason.message;
}

Deno.test("FileStorageMux with spare: false replaces an image and frees the previous one after answering", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await makeImage(`${dir}/first.img`, 8 * MiB, 1);
    const second = await makeImage(`${dir}/second.img`, 8 * MiB, 2);
    // A spare kept while spares were on goes away once they are off.
    await Deno.writeTextFile(`${dir}/.target.img.spare`, "left from before");
    await using dut = await localDevice(
      storageConfig(dir, { path: "target.img", spare: false }),
    );
    const storage = dut.storage as StorageClient;
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/first.img`)).sha256, first);
    // A reader of the previous image keeps reading it whole while it is replaced.
    using reading = await Deno.open(`${dir}/target.img`);
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/second.img`)).sha256, second);
    assert.equal(await sha256Of(`${dir}/target.img`), second);
    const hash = createHash("sha256");
    for await (const chunk of reading.readable) hash.update(chunk);
    assert.equal(hash.digest("hex"), first);
    // The second name the previous image was freed through goes away on its own.
    await eventually(async () => (await names(dir)).length === 3, {
      timeout: 5000,
      interval: 20,
      message: "only the images are left",
    });
    assert.deepEqual(await names(dir), ["first.img", "second.img", "target.img"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux overwrites the image a flash replaced in place on the next flash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await makeImage(`${dir}/first.img`, 8 * MiB, 1);
    const second = await makeImage(`${dir}/second.img`, 8 * MiB, 2);
    const third = await makeImage(`${dir}/third.img`, 6 * MiB, 3);
    const target = `${dir}/target.img`;
    const spare = `${dir}/.target.img.spare`;
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/first.img`)).sha256, first);
    const firstInode = (await Deno.stat(target)).ino;
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/second.img`)).sha256, second);
    // The replaced image stays, under the spare's name, as soon as the flash answers.
    assert.equal((await Deno.stat(spare)).ino, firstInode);
    assert.equal(await sha256Of(spare), first);

    // The next flash writes into it (same inode), cut to the new, shorter image.
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/third.img`)).sha256, third);
    const after = await Deno.stat(target);
    assert.equal(after.ino, firstInode, "the spare was overwritten in place");
    assert.equal(after.size, 6 * MiB);
    assert.equal(await sha256Of(target), third);
    assert.equal(await sha256Of(spare), second);
    assert.equal((after.mode ?? 0) & 0o777, 0o644);
    assert.deepEqual(await names(dir), [
      ".target.img.spare",
      "first.img",
      "second.img",
      "target.img",
      "third.img",
    ]);

    // A flash that fails while writing into the spare keeps the image and drops the spare.
    const { flashed } = await flashUpload(storage, failingUpload(4 * MiB));
    assert.match(
      failure(flashed),
      /^Flashing storage "storage" failed after [\d.]+ MiB: .+; the previous image was kept$/,
    );
    assert.equal(await sha256Of(target), third);
    assert.deepEqual(await names(dir), ["first.img", "second.img", "target.img", "third.img"]);
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/first.img`)).sha256, first);
    assert.equal(await sha256Of(target), first);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux leaves a replaced image alone while it is open or has another name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const images: string[] = [];
    for (let i = 0; i < 4; i++) images.push(await makeImage(`${dir}/${i}.img`, 4 * MiB, i));
    const target = `${dir}/target.img`;
    const spare = `${dir}/.target.img.spare`;
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    const flash = async (i: number) => {
      assert.equal((await storage.flash<VerifiedResult>(`${dir}/${i}.img`)).sha256, images[i]);
      assert.equal(await sha256Of(target), images[i]);
    };
    await flash(0);
    // Another process keeps the first image open (as QEMU or a loop device would).
    using reading = await Deno.open(target);
    {
      await using _holder = await holdOpen(target);
      await flash(1);
      assert.equal(await sha256Of(spare), images[0]);
      // The spare (the first image) is open elsewhere: the next flash leaves it alone.
      await flash(2);
      const hash = createHash("sha256");
      for await (const chunk of reading.readable) hash.update(chunk);
      assert.equal(hash.digest("hex"), images[0], "the reader still reads the first image whole");
    }
    // The spare is now the second image; a second name keeps it from being reused.
    assert.equal(await sha256Of(spare), images[1]);
    await Deno.link(spare, `${dir}/kept.img`);
    await flash(3);
    assert.equal(await sha256Of(`${dir}/kept.img`), images[1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux expands bz2 uploads and reports corrupt compressed data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const image = `${dir}/small.img`;
    const sha256 = await makeImage(image, 2 * MiB);
    await run("bzip2", "-k", image);
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    assert.equal((await storage.flash<VerifiedResult>(`${image}.bz2`)).sha256, sha256);

    await run("zstd", "-q", image, "-o", `${image}.zst`);
    const whole = await Deno.readFile(`${image}.zst`);
    await Deno.writeFile(`${dir}/truncated.img.zst`, whole.subarray(0, whole.byteLength / 2));
    await assert.rejects(storage.flash(`${dir}/truncated.img.zst`), (error: Error) => {
      assert.match(
        error.message,
        /^Flashing storage "storage" failed after [\d.]+ \w+: Cannot expand the zstd data: .+; the previous image was kept$/,
      );
      return true;
    });
    assert.equal(await sha256Of(`${dir}/target.img`), sha256);
    assert.deepEqual(await partials(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decompressor() without the system tool names the package to install", () => {
  assert.throws(
    () => decompressor("zstd", { zstd: "zstd-not-installed-here" }),
    new FailedPreconditionError(
      "Cannot expand zstd data: `zstd-not-installed-here` is not installed on this host (apt-get install zstd)",
    ),
  );
  assert.throws(() => decompressor("lz4"), /Unsupported content encoding "lz4"/);
});

Deno.test("FileStorageMux keeps the previous image when an upload is interrupted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const previous = await makeImage(`${dir}/target.img`, MiB, 7);
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    const openFiles = async () => (await Array.fromAsync(Deno.readDir("/proc/self/fd"))).length;
    const before = await openFiles();
    const { flashed, uploaded } = await flashUpload(storage, failingUpload(24 * MiB));
    assert.equal(uploaded.status, "rejected");
    assert.match(
      failure(flashed),
      /^Flashing storage "storage" failed after [\d.]+ MiB: .+; the previous image was kept$/,
    );
    assert.equal(await sha256Of(`${dir}/target.img`), previous);
    assert.deepEqual(await partials(dir), []);
    assert.equal((await storage.info<{ mux: string }>()).mux, "dut");
    // Every file the flash opened (the image, its background syncer) is closed.
    await eventually(async () => await openFiles() <= before, {
      timeout: 5000,
      interval: 20,
      message: "the files are closed",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux survives a client that leaves mid-flash and keeps serving", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const previous = await makeImage(`${dir}/target.img`, MiB, 3);
    await makeImage(`${dir}/big.img`, 128 * MiB);
    await using local = await serveLocal(
      storageConfig(dir, { path: "target.img" }),
      registry,
    );
    const leaving = await connect(local.host);
    const flashing = (leaving.storage as StorageClient).flash(`${dir}/big.img`, {
      onProgress: (sent) => {
        if (sent >= 16 * MiB) leaving.close();
      },
    });
    await assert.rejects(flashing);
    await using again = await connect(local.host);
    const storage = again.storage as StorageClient;
    // The exporter notices the departure and cleans up its partial file.
    await eventually(async () => assert.deepEqual(await partials(dir), []), {
      timeout: 10_000,
      interval: 50,
      message: "the partial file's removal",
    });
    assert.equal(await sha256Of(`${dir}/target.img`), previous);
    const small = await makeImage(`${dir}/small.img`, MiB, 9);
    // The abandoned flash ends on the exporter's side a moment after its partial
    // file is gone; until then a new flash is refused as "in progress".
    const deadline = Date.now() + 10_000;
    let result: VerifiedResult | undefined;
    while (!result) {
      try {
        result = await storage.flash<VerifiedResult>(`${dir}/small.img`);
      } catch (error) {
        if (!/in progress/.test((error as Error).message) || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.equal(result.sha256, small);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux refuses an image larger than the target and keeps the old one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const previous = await makeImage(`${dir}/target.img`, MiB / 2, 5);
    await makeImage(`${dir}/big.img`, 3 * MiB);
    await using dut = await localDevice(storageConfig(dir, { path: "target.img", size: "2MiB" }));
    const storage = dut.storage as StorageClient;
    await assert.rejects(storage.flash(`${dir}/big.img`), (error: Error) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, "out_of_range");
      assert.equal(
        error.message,
        'Flashing storage "storage" failed after 2 MiB: Image is larger than storage "storage" (2 MiB, 2097152 bytes); the previous image was kept',
      );
      return true;
    });
    assert.equal(await sha256Of(`${dir}/target.img`), previous);
    assert.deepEqual(await partials(dir), []);
    const fits = await makeImage(`${dir}/fits.img`, 2 * MiB, 1);
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/fits.img`)).sha256, fits);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("StorageClient.flash() reports a checksum mismatch", async () => {
  /** A flasher whose device ends up holding something else than what was sent. */
  class CorruptingStorage extends FileStorageMux {
    override async flash(handle: unknown, target?: string | null): Promise<TransferResult> {
      const result = await super.flash(handle, target);
      return { ...result, sha256: "0".repeat(64) };
    }
  }
  const dir = await Deno.makeTempDir();
  try {
    const sha256 = await makeImage(`${dir}/disk.img`, MiB);
    await using root = await driverHarness(CorruptingStorage, { path: `${dir}/target.img` });
    const storage = root.dut as StorageClient;
    await assert.rejects(storage.flash(`${dir}/disk.img`), (error: Error) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, "data_loss");
      assert.equal(
        error.message,
        `Checksum mismatch after writing "${dir}/disk.img" to storage "dut": the image's sha256 is ${sha256} but the storage reports ${
          "0".repeat(64)
        }; do not trust what the storage holds, flash it again`,
      );
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("StorageClient.dump() round-trips what flash() wrote, file replaced only when complete", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sha256 = await makeImage(`${dir}/disk.img`, 24 * MiB);
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    await assert.rejects(
      storage.dump(`${dir}/early.img`),
      /Cannot read storage "storage": nothing was written to it yet/,
    );
    assert.deepEqual(await partials(dir), []);
    await assert.rejects(Deno.stat(`${dir}/early.img`), Deno.errors.NotFound);
    await storage.flash(`${dir}/disk.img`);
    let received = 0;
    const dumped = await storage.dump<VerifiedResult>(`${dir}/back.img`, {
      onProgress: (bytes) => received = bytes,
    });
    assert.deepEqual(dumped, { size: 24 * MiB, sha256, verified: true });
    assert.equal(received, 24 * MiB);
    assert.equal(await sha256Of(`${dir}/back.img`), sha256);
    assert.equal((await storage.info<{ mux: string }>()).mux, "dut");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux write() and read() need the storage on the host, as upstream", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sha256 = await makeImage(`${dir}/disk.img`, MiB);
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    await assert.rejects(storage.write(`${dir}/disk.img`), (error: Error) => {
      assert.ok(error instanceof FailedPreconditionError);
      assert.equal(
        error.message,
        'Cannot write to storage "storage" while it is connected to the device: switch it to the host first (jumpstarter storage host)',
      );
      return true;
    });
    await storage.host();
    assert.equal((await storage.write<VerifiedResult>(`${dir}/disk.img`)).sha256, sha256);
    const download = await storage.download();
    const [result, bytes] = await Promise.all([
      storage.call<TransferResult>("read", download.handle),
      new Response(download.readable).arrayBuffer(),
    ]);
    assert.equal(result.sha256, sha256);
    assert.equal(createHash("sha256").update(new Uint8Array(bytes)).digest("hex"), sha256);
    await storage.off();
    await assert.rejects(
      storage.call("read", (await storage.download()).handle),
      /connected to nothing/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CommandStorageMux runs the mux commands around a flash and waits for the device", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sha256 = await makeImage(`${dir}/disk.img`, MiB);
    const config = {
      host: 'echo host >> mux.log && touch "$JUMPSTARTER_STORAGE_PATH"',
      dut: "echo dut >> mux.log",
      path: "sdcard.img",
      wait: 0.3,
    };
    await using dut = await localDevice(storageConfig(dir, config, "CommandStorageMux"));
    const storage = dut.storage as StorageClient;
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/disk.img`)).sha256, sha256);
    assert.equal(await Deno.readTextFile(`${dir}/mux.log`), "host\ndut\n");
    await assert.rejects(storage.off(), NotImplementedError);
    await storage.dump(`${dir}/back.img`);
    assert.equal(await sha256Of(`${dir}/back.img`), sha256);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CommandStorageMux reports a failing command and a device that never appears", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await makeImage(`${dir}/disk.img`, MiB);
    const config = {
      host: "true",
      dut: "echo 'sd-mux-ctrl: no device sdw-001' >&2; exit 3",
      path: "never.img",
      wait: 0.2,
    };
    await using dut = await localDevice(storageConfig(dir, config, "CommandStorageMux"));
    const storage = dut.storage as StorageClient;
    await assert.rejects(
      storage.dut(),
      new DriverError(
        "unknown",
        `Storage mux command "dut" (\`${config.dut}\`) exited with status 3: sd-mux-ctrl: no device sdw-001`,
      ),
    );
    await storage.host();
    await assert.rejects(storage.write(`${dir}/disk.img`), (error: Error) => {
      assert.ok(error instanceof UnavailableError);
      assert.equal(
        error.message,
        `storage "storage": "${dir}/never.img" did not appear within 0.2 s after switching to the host`,
      );
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux writes a device in place and says when it holds a partial image", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sha256 = await makeImage(`${dir}/disk.img`, MiB);
    // Character devices stand in for a card: /dev/null takes everything, /dev/full nothing.
    await using sink = await localDevice(storageConfig(dir, { path: "/dev/null" }));
    assert.equal(
      (await (sink.storage as StorageClient).flash<VerifiedResult>(`${dir}/disk.img`)).sha256,
      sha256,
    );
    await using full = await localDevice(storageConfig(dir, { path: "/dev/full" }));
    await assert.rejects(
      (full.storage as StorageClient).flash(`${dir}/disk.img`),
      (error: Error) => {
        assert.match(
          error.message,
          /^Flashing storage "storage" failed after 0 bytes: .+; storage "storage" now holds a partial image \(0 bytes written\): flash it again$/,
        );
        return true;
      },
    );
    assert.deepEqual(await partials(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("StorageClient.flash() from a pipe keeps the client's event loop free while it waits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sha256 = await makeImage(`${dir}/image.img`, 4 * MiB);
    const fifo = `${dir}/image.fifo`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    // The writer opens the pipe at once and sends the image only 500 ms later.
    const writer = new Deno.Command("sh", {
      args: ["-c", 'exec 3>"$1"; sleep 0.5; cat "$2" >&3', "sh", fifo, `${dir}/image.img`],
    }).spawn();
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 10);
    try {
      const result = await (dut.storage as StorageClient).flash<VerifiedResult>(fifo);
      assert.equal(result.sha256, sha256);
    } finally {
      clearInterval(ticker);
    }
    assert.ok((await writer.status).success);
    assert.ok(longest < 250, `the event loop stalled for ${longest.toFixed(0)} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux fails a flash whose spare is replaced under it and keeps the image", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await makeImage(`${dir}/first.img`, MiB, 1);
    const second = await makeImage(`${dir}/second.img`, MiB, 2);
    const spare = `${dir}/.target.img.spare`;
    await using dut = await localDevice(storageConfig(dir, { path: "target.img" }));
    const storage = dut.storage as StorageClient;
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/first.img`)).sha256, first);
    assert.equal((await storage.flash<VerifiedResult>(`${dir}/second.img`)).sha256, second);
    // Halfway through the next flash (into the spare), another file takes the spare's name.
    let sent = 0;
    const { flashed } = await flashUpload(
      storage,
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === 2) {
            await Deno.writeTextFile(`${dir}/intruder`, "not an image");
            await Deno.rename(`${dir}/intruder`, spare);
          }
          if (sent++ === 4) return controller.close();
          controller.enqueue(new Uint8Array(MiB).fill(sent));
        },
      }),
    );
    assert.match(
      failure(flashed),
      /: .*\.target\.img\.spare was replaced while the image was written to it; the previous image was kept$/,
    );
    assert.equal(await sha256Of(`${dir}/target.img`), second);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeImage() keeps no spare where the kernel cannot say whether one is in use", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Without FFI there is no lease to ask for: a spare could never be reused.
    await Deno.writeTextFile(
      `${dir}/flash.ts`,
      `import { writeImage } from ${
        JSON.stringify(new URL("./write_image.ts", import.meta.url).href)
      };
for (const seed of [1, 2, 3]) {
  const image = new Blob([new Uint8Array(1 << 20).fill(seed)]).stream();
  await writeImage(image, Deno.args[0], { spare: true });
}
`,
    );
    const ran = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", "--deny-ffi", `${dir}/flash.ts`, "target.img"],
      cwd: dir,
    }).output();
    assert.ok(ran.success, new TextDecoder().decode(ran.stderr));
    assert.deepEqual(await Deno.readFile(`${dir}/target.img`), new Uint8Array(1 << 20).fill(3));
    await eventually(async () => (await names(dir)).length === 2, {
      timeout: 5000,
      interval: 20,
      message: "only the image is left",
    });
    assert.deepEqual(await names(dir), ["flash.ts", "target.img"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorageMux refuses a spare setting that is not true or false", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      localDevice(storageConfig(dir, { path: "target.img", spare: "yes" })),
      (error: Error) => {
        assert.equal(
          error.message,
          'Invalid config export.storage.config.spare: expected true or false, got "yes"',
        );
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseSize() reads bytes and unit suffixes", () => {
  assert.equal(parseSize(512), 512);
  assert.equal(parseSize("256MiB"), 256 * MiB);
  assert.equal(parseSize("4 GB"), 4e9);
  assert.equal(parseSize("1.5k"), 1536);
  assert.equal(parseSize("lots"), undefined);
  assert.equal(parseSize(-1), undefined);
});

Deno.test("jumpstarter storage flash and dump from the CLI", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sha256 = await makeImage(`${dir}/disk.img`, 4 * MiB);
    await run("zstd", "-q", `${dir}/disk.img`, "-o", `${dir}/disk.img.zst`);
    await Deno.writeTextFile(
      `${dir}/storage.yaml`,
      "export:\n  storage:\n    type: storage.FileStorageMux\n    config: {path: target.img, size: 8MiB}\n",
    );
    const cli = cliWithConfig(`${dir}/storage.yaml`);
    const flashed = await cli("storage", "flash", `${dir}/disk.img.zst`);
    assert.equal(flashed.code, 0, flashed.stderr);
    assert.match(
      flashed.stdout,
      /^Flashed .*disk\.img\.zst: [\d.]+ MB sent in [\d.]+ s, sha256 verified\n/,
    );
    const dumped = await cli("storage", "dump", `${dir}/back.img`);
    assert.equal(dumped.code, 0, dumped.stderr);
    assert.match(dumped.stdout, /sha256 verified/);
    assert.equal(await sha256Of(`${dir}/back.img`), sha256);
    await makeImage(`${dir}/huge.img`, 9 * MiB);
    const refused = await cli("storage", "flash", `${dir}/huge.img`);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'Error: Flashing storage "storage" failed after 8 MiB: Image is larger than storage "storage" (8 MiB, 8388608 bytes); the previous image was kept\n',
    );
    const help = await cli("storage", "dump", "--help");
    assert.ok(help.stdout.includes("Examples:\n  $ jumpstarter storage dump backup.img\n"));
    const bad = await cli("storage", "flash", `${dir}/disk.img`, "--compression", "lzma");
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'Error: Invalid --compression "lzma": use gzip, xz, zstd, bz2 or none\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
