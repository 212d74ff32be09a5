import assert from "node:assert/strict";
import type { ClientSession } from "../../src/client/client_session.ts";
import type { Upload } from "../../src/client/resource_transfer.ts";
import { readAll } from "../../src/driver/read_all.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { StorageClient } from "./client.ts";

interface Fake {
  session: ClientSession;
  calls: unknown[][];
  uploaded: Uint8Array[];
}

/**
 * A session whose uploads are read by `consume` (the exporter's side) and
 * whose calls answer with `answer`.
 */
function fakeSession(
  answer: (method: string, args: unknown[], upload?: Promise<number>) => Promise<unknown>,
  consume: (source: ReadableStream<Uint8Array>) => Promise<Uint8Array> = readAll,
): Fake {
  const fake: Fake = { calls: [], uploaded: [], session: undefined! };
  const uploads = new Map<string, Promise<number>>();
  fake.session = {
    call(_uuid, method, args) {
      fake.calls.push([method, ...args]);
      const uuid = (args[0] as { uuid?: string } | undefined)?.uuid;
      return answer(method, args, uuid ? uploads.get(uuid) : undefined) as Promise<never>;
    },
    streamingCall: () => {
      throw new Error("not used");
    },
    openStream: () => Promise.reject(new Error("not used")),
    upload(_uuid, source, options): Promise<Upload> {
      const uuid = crypto.randomUUID();
      const done = consume(source).then((bytes) => {
        fake.uploaded.push(bytes);
        options?.onProgress?.(bytes.byteLength, options.size);
        return bytes.byteLength;
      });
      uploads.set(uuid, done);
      return Promise.resolve({ handle: { kind: "client_stream", uuid }, done });
    },
  };
  return fake;
}

function storage(fake: Fake, methods = ["host", "dut", "off", "write", "flash", "info"]) {
  return new StorageClient(fake.session, {
    uuid: "s1",
    labels: { "jumpstarter.dev/name": "storage" },
    methodsDescription: Object.fromEntries(methods.map((m) => [m, ""])),
  });
}

async function tempImage(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".img" });
  await Deno.writeFile(path, bytes);
  return path;
}

Deno.test("StorageClient.write() uploads the file and returns the driver's result", async () => {
  const bytes = new Uint8Array(200_000).map((_, i) => i % 251);
  const path = await tempImage(bytes);
  try {
    const fake = fakeSession(async (_method, _args, upload) => ({ size: await upload }));
    const progress: [number, number | undefined][] = [];
    const result = await storage(fake).write(path, {
      onProgress: (sent, total) => progress.push([sent, total]),
    });
    assert.deepEqual(result, { size: 200_000 });
    assert.deepEqual(fake.uploaded, [bytes]);
    assert.deepEqual(progress, [[200_000, 200_000]]);
    assert.equal(fake.calls[0][0], "write");
    assert.equal((fake.calls[0][1] as { kind: string }).kind, "client_stream");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("StorageClient.write() cancels the upload when the driver refuses it", async () => {
  const path = await tempImage(new Uint8Array(1024 * 1024));
  try {
    // The exporter side takes one chunk and then stalls, as when the driver never reads.
    const stalled = async (source: ReadableStream<Uint8Array>) => {
      const reader = source.getReader();
      await reader.read();
      await reader.closed;
      return new Uint8Array();
    };
    const fake = fakeSession(
      () => Promise.reject(new FailedPreconditionError("switch the storage to host first")),
      stalled,
    );
    await assert.rejects(storage(fake).write(path), FailedPreconditionError);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("StorageClient.write() names a file it cannot read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fake = fakeSession(async (_method, _args, upload) => await upload);
    await assert.rejects(storage(fake).write(dir), new RegExp(`Cannot read image "${dir}": `));
    await assert.rejects(
      storage(fake).write(`${dir}/missing.img`),
      new RegExp(`Cannot open image "${dir}/missing.img": `),
    );
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("StorageClient.flash() calls the driver's flash with the target", async () => {
  const path = await tempImage(new Uint8Array(10));
  try {
    const fake = fakeSession(async (_method, _args, upload) => ({ size: await upload }));
    await storage(fake).flash(path);
    await storage(fake).flash(path, { target: "mmcblk0" });
    assert.deepEqual(fake.calls.map(([method, , target]) => [method, target]), [
      ["flash", null],
      ["flash", "mmcblk0"],
    ]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("StorageClient.flash() drives an upstream mux as host, write, dut", async () => {
  const path = await tempImage(new Uint8Array(10));
  try {
    let fail = false;
    const fake = fakeSession(async (method, _args, upload) => {
      if (method !== "write") return null;
      await upload;
      if (fail) throw new Error("write failed");
      return null;
    });
    const mux = storage(fake, ["host", "dut", "off", "write", "read"]);
    await mux.flash(path);
    fail = true;
    await assert.rejects(mux.flash(path), /write failed/);
    assert.deepEqual(fake.calls.map(([method]) => method), [
      "host",
      "write",
      "dut",
      "host",
      "write",
      "dut",
    ]);
    await assert.rejects(mux.flash(path, { target: "boot" }), TypeError);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("StorageClient host(), dut(), off() and info() call the driver", async () => {
  const fake = fakeSession((method) => Promise.resolve(method === "info" ? { size: 1 } : null));
  const client = storage(fake);
  await client.host();
  await client.dut();
  await client.off();
  assert.deepEqual(await client.info(), { size: 1 });
  assert.deepEqual(fake.calls, [["host"], ["dut"], ["off"], ["info"]]);
});
