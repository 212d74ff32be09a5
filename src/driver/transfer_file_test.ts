/** TransferFile on real files and a FIFO whose reader is slow. */
import assert from "node:assert/strict";
import { FEW_CORES, TransferFile } from "./transfer_file.ts";

Deno.test("TransferFile blocks only on hosts with few cores, and reads and writes whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = crypto.getRandomValues(new Uint8Array(65536));
    for (const blocking of [true, false]) {
      const path = `${dir}/${blocking}.bin`;
      {
        using file = await Deno.open(path, { write: true, create: true });
        const io = new TransferFile(file, blocking);
        await io.write(bytes);
        await io.write(bytes.subarray(0, 100));
        assert.equal(io.blocking, blocking);
      }
      using file = await Deno.open(path);
      const io = new TransferFile(file, blocking);
      const view = new Uint8Array(70000);
      assert.equal(await io.read(view), 65636);
      assert.deepEqual(view.subarray(0, 65536), bytes);
      assert.deepEqual(view.subarray(65536, 65636), bytes.subarray(0, 100));
      assert.equal(await io.read(view), null);
    }
    using file = await Deno.open(`${dir}/true.bin`);
    assert.equal(new TransferFile(file).blocking, navigator.hardwareConcurrency <= FEW_CORES);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TransferFile hands the rest of a transfer to a thread after one slow write", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/fifo`;
    const mkfifo = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(mkfifo.success);
    // The reader opens the FIFO at once but starts reading only 200 ms later.
    const reader = new Deno.Command("sh", {
      args: ["-c", 'exec 3<"$1"; sleep 0.2; cat <&3 > "$1.out"', "sh", fifo],
    }).spawn();
    const bytes = crypto.getRandomValues(new Uint8Array(65536));
    const all = new Uint8Array(8 * bytes.byteLength);
    {
      using file = await Deno.open(fifo, { write: true });
      const io = new TransferFile(file, true);
      // More than a pipe holds: the write waits for the reader.
      const started = performance.now();
      for (let i = 0; i < 4; i++) all.set(bytes, i * bytes.byteLength);
      await io.write(all.subarray(0, 4 * bytes.byteLength));
      assert.ok(performance.now() - started > 100);
      assert.equal(io.blocking, false, "a slow write ends blocking calls");
      // The rest goes through a thread and arrives all the same.
      for (let i = 4; i < 8; i++) all.set(bytes.map((b) => b ^ i), i * bytes.byteLength);
      await io.write(all.subarray(4 * bytes.byteLength));
      assert.equal(io.blocking, false);
    }
    assert.ok((await reader.status).success);
    assert.deepEqual(await Deno.readFile(`${fifo}.out`), all);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
