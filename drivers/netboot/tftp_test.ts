/**
 * `network.TftpServer` against real TFTP clients: tftp-hpa's `tftp` (plain
 * RFC 1350, octet and netascii, writes) and curl's TFTP client (blksize and
 * tsize options). Without them the tests skip, except under CI=true.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { FileServerClient } from "./client.ts";
import { which } from "../qemu/which.ts";

const CI = Deno.env.get("CI") === "true";
const missing = !await which("tftp")
  ? "tftp (apt-get install tftp-hpa)"
  : !await which("curl")
  ? "curl (apt-get install curl)"
  : undefined;
if (missing && !CI) console.warn(`Skipping the TFTP client tests: ${missing} is not installed`);

function clientTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: missing !== undefined && !CI,
    async fn() {
      assert.ok(missing === undefined, `CI=true and ${missing} is not installed`);
      await fn();
    },
  });
}

async function run(program: string, args: string[], cwd?: string) {
  const out = await new Deno.Command(program, { args, cwd, stdin: "null" }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** A TftpServer on 127.0.0.1 (any port) serving DIR/root, removed with DIR when disposed. */
async function tftpServer(extra: Record<string, unknown> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-tftp-" });
  const root = `${dir}/root`;
  const dut = await localDevice(exporterConfigFrom({
    export: {
      tftp: {
        type: "network.TftpServer",
        config: { root, host: "127.0.0.1", port: 0, timeout: 0.3, ...extra },
      },
    },
  }, Deno.cwd()));
  const tftp = dut.child("tftp", FileServerClient);
  const port = Number(new URL(await tftp.address()).port);
  const hpa = (...args: string[]) =>
    run("tftp", ["-m", "binary", "127.0.0.1", String(port), "-c", ...args]);
  return {
    dir,
    tftp,
    port,
    hpa,
    async [Symbol.asyncDispose]() {
      await dut.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

clientTest(
  "TftpServer serves a put file byte-exact to tftp-hpa and to curl with blksize and tsize",
  async () => {
    await using server = await tftpServer();
    const { dir, tftp, port, hpa } = server;
    // 300 KiB + 1: several block-number steps and a short last block; 512*4: an empty last block.
    const image = randomBytes(300 * 1024 + 1);
    await Deno.writeFile(`${dir}/kernel.img`, image);
    assert.equal(tftp.labels["jumpstarter.dev/address"], "tftp://127.0.0.1:0"); // as configured
    assert.equal(await tftp.address(), `tftp://127.0.0.1:${port}`);
    const put = await tftp.put(`${dir}/kernel.img`, "boot/kernel.img");
    assert.deepEqual([put.name, put.size], ["boot/kernel.img", image.byteLength]);
    await Deno.writeFile(`${dir}/even.bin`, randomBytes(2048));
    await tftp.put(`${dir}/even.bin`);
    assert.deepEqual((await tftp.list()).map((e) => [e.name, e.size]), [
      ["boot/kernel.img", image.byteLength],
      ["even.bin", 2048],
    ]);

    const got = await hpa("get", "boot/kernel.img", `${dir}/hpa.img`);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/hpa.img`), image);
    const even = await hpa("get", "even.bin", `${dir}/even.out`);
    assert.equal(even.code, 0, even.stderr);
    assert.equal((await Deno.stat(`${dir}/even.out`)).size, 2048);

    // curl asks for blksize 1468 and tsize; the server's OACK must agree to both.
    const curl = await run("curl", [
      "-sS",
      "-v",
      "--tftp-blksize",
      "1468",
      "-o",
      `${dir}/curl.img`,
      `tftp://127.0.0.1:${port}/boot/kernel.img`,
    ]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.match(curl.stderr, /blksize parsed from OACK \(1468\)/);
    assert.match(curl.stderr, new RegExp(`tsize parsed from OACK \\(${image.byteLength}\\)`));
    assert.deepEqual(await Deno.readFile(`${dir}/curl.img`), image);
  },
);

clientTest(
  "TftpServer converts netascii line ends and refuses missing files, escapes and links out",
  async () => {
    await using server = await tftpServer();
    const { dir, port, hpa } = server;
    await Deno.writeTextFile(`${dir}/root/notes.txt`, "one\ntwo\r\nthree\n");
    await Deno.writeTextFile(`${dir}/secret`, "outside");
    await Deno.symlink(`${dir}/secret`, `${dir}/root/link`);
    // tftp-hpa converts netascii back to local line ends: the file comes back as it is.
    const ascii = await run("tftp", [
      "-m",
      "netascii",
      "127.0.0.1",
      String(port),
      "-c",
      "get",
      "notes.txt",
      `${dir}/notes.out`,
    ]);
    assert.equal(ascii.code, 0, ascii.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/notes.out`), "one\ntwo\r\nthree\n");
    const get = (name: string) => hpa("get", name, `${dir}/x`);
    assert.match(JSON.stringify(await get("nothere")), /Error code 1: File not found/);
    assert.match(
      JSON.stringify(await get("../secret")),
      /Error code 2: Invalid file name \\"..\/secret\\": \\"..\\" is not allowed/,
    );
    assert.match(
      JSON.stringify(await get("link")),
      /Error code 2: .*leads out of the served directory/,
    );
    // Writes are off unless the config enables them.
    await Deno.writeTextFile(`${dir}/up.txt`, "upload");
    const put = await hpa("put", `${dir}/up.txt`, "up.txt");
    assert.match(put.stdout + put.stderr, /Error code 2: .*does not accept writes/);
    assert.equal(await Deno.stat(`${dir}/root/up.txt`).catch(() => null), null);
  },
);

clientTest(
  "TftpServer with writable: true stores tftp-hpa's writes, bounded by maxFileSize",
  async () => {
    await using server = await tftpServer({
      writable: true,
      maxFileSize: 100_000,
    });
    const { dir, tftp, hpa } = server;
    const data = randomBytes(70_000);
    await Deno.writeFile(`${dir}/up.bin`, data);
    const put = await hpa("put", `${dir}/up.bin`, "logs/up.bin");
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/root/logs/up.bin`), data);
    await Deno.writeFile(`${dir}/big.bin`, randomBytes(150_000));
    const big = await hpa("put", `${dir}/big.bin`, "big.bin");
    assert.match(big.stdout + big.stderr, /Error code 3: File too large/);
    assert.deepEqual((await tftp.list()).map((e) => e.name), ["logs/up.bin"]);
    // The exporter checks names itself, whatever the client sent.
    const upload = await tftp.upload(ReadableStream.from([new Uint8Array(4)]));
    await assert.rejects(tftp.call("put", upload.handle, "a/../../b"), /".." is not allowed/);
    await upload.done.catch(() => {});
    await tftp.remove("logs/up.bin");
    assert.deepEqual(await tftp.list(), []);
    await assert.rejects(tftp.remove("logs/up.bin"), /No file "logs\/up.bin"/);
  },
);

Deno.test("TftpServer resends a block whose ACK is lost, ignores duplicate ACKs and answers strangers with error 5", async () => {
  await using server = await tftpServer();
  await Deno.writeFile(`${server.dir}/root/two.bin`, new Uint8Array(700).fill(9));
  const socket = dgram.createSocket("udp4");
  const stranger = dgram.createSocket("udp4");
  const inbox: Uint8Array[] = [];
  const strangerInbox: Uint8Array[] = [];
  let wake = () => {};
  socket.on("message", (m: Uint8Array) => (inbox.push(m), wake()));
  stranger.on("message", (m: Uint8Array) => (strangerInbox.push(m), wake()));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  await new Promise<void>((resolve) => stranger.bind(0, "127.0.0.1", () => resolve()));
  const next = async (box: Uint8Array[], ms = 3000) => {
    const deadline = performance.now() + ms;
    while (box.length === 0 && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return box.shift();
  };
  try {
    socket.send(new TextEncoder().encode("\0\x01two.bin\0octet\0"), server.port, "127.0.0.1");
    const first = (await next(inbox))!;
    assert.deepEqual([...first.subarray(0, 4)], [0, 3, 0, 1]);
    const transferPort = await new Promise<number>((resolve) => {
      // The server's transfer port: where block 1 came from (resent after our silence).
      socket.once("message", (_m: Uint8Array, from: dgram.RemoteInfo) => resolve(from.port));
    });
    const again = (await next(inbox))!;
    assert.deepEqual([...again.subarray(0, 4)], [0, 3, 0, 1], "block 1 is resent after a timeout");
    stranger.send(new Uint8Array([0, 4, 0, 1]), transferPort, "127.0.0.1");
    const refused = (await next(strangerInbox))!;
    assert.deepEqual(
      [...refused.subarray(0, 4)],
      [0, 5, 0, 5],
      "a stranger gets unknown transfer ID",
    );
    socket.send(new Uint8Array([0, 4, 0, 1]), transferPort, "127.0.0.1");
    socket.send(new Uint8Array([0, 4, 0, 1]), transferPort, "127.0.0.1"); // duplicate
    const second = (await next(inbox))!;
    assert.deepEqual([...second.subarray(0, 4)], [0, 3, 0, 2]);
    assert.equal(second.byteLength, 4 + 700 - 512);
    socket.send(new Uint8Array([0, 4, 0, 2]), transferPort, "127.0.0.1");
    assert.equal(await next(inbox, 500), undefined, "the duplicate ACK sent nothing more");
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await new Promise<void>((resolve) => stranger.close(() => resolve()));
  }
});
