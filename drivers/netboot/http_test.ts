/**
 * `network.HttpServer` against curl (whole files, ranges, HEAD, errors,
 * escapes), and the file server CLI (`put`, `list -o`, `remove`) run as a
 * real process. Without curl the tests skip, except under CI=true.
 */
import assert from "node:assert/strict";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { runEntry } from "../../tests/_fixtures/run.ts";
import { FileServerClient } from "./client.ts";
import { parseRange } from "./http_files.ts";
import { which } from "../qemu/which.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await which("curl") ? undefined : "curl (apt-get install curl)";
if (missing && !CI) console.warn(`Skipping the HTTP client tests: ${missing} is not installed`);

async function curl(...args: string[]) {
  const out = await new Deno.Command("curl", { args: ["-sS", ...args], stdin: "null" }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("parseRange() reads one byte range and refuses unsatisfiable ones", () => {
  assert.deepEqual(parseRange("bytes=0-9", 100), [0, 9]);
  assert.deepEqual(parseRange("bytes=90-", 100), [90, 99]);
  assert.deepEqual(parseRange("bytes=-10", 100), [90, 99]);
  assert.deepEqual(parseRange("bytes=50-500", 100), [50, 99]);
  assert.equal(parseRange("bytes=100-", 100), "bad");
  assert.equal(parseRange("bytes=9-3", 100), "bad");
  assert.equal(parseRange("bytes=0-1,5-6", 100), null);
  assert.equal(parseRange(null, 100), null);
});

Deno.test({
  name:
    "HttpServer serves put files to curl with ranges and exact lengths, and nothing outside its root",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and ${missing} is not installed`);
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-http-" });
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        http: {
          type: "network.HttpServer",
          config: { root: `${dir}/root`, host: "127.0.0.1", port: 0 },
        },
      },
    }, Deno.cwd()));
    try {
      const http = dut.child("http", FileServerClient);
      const base = await http.address();
      assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
      const data = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) & 0xff);
      await Deno.writeFile(`${dir}/vmlinuz`, data);
      await http.put(`${dir}/vmlinuz`, "boot/vmlinuz");

      const whole = await curl(
        "-o",
        `${dir}/whole`,
        "-w",
        "%{http_code} %{size_download}",
        `${base}/boot/vmlinuz`,
      );
      assert.equal(whole.stdout, `200 ${data.byteLength}`);
      assert.deepEqual(await Deno.readFile(`${dir}/whole`), data);

      const part = await curl(
        "-D",
        "-",
        "-o",
        `${dir}/part`,
        "-r",
        "1000-1999",
        `${base}/boot/vmlinuz`,
      );
      assert.match(part.stdout, /^HTTP\/1\.1 206/);
      assert.match(part.stdout, /content-length: 1000\r\n/i);
      assert.match(
        part.stdout,
        new RegExp(`content-range: bytes 1000-1999/${data.byteLength}`, "i"),
      );
      assert.deepEqual(await Deno.readFile(`${dir}/part`), data.subarray(1000, 2000));

      const head = await curl("-I", `${base}/boot/vmlinuz`);
      assert.match(head.stdout, new RegExp(`content-length: ${data.byteLength}\r\n`, "i"));
      assert.match(head.stdout, /accept-ranges: bytes/i);

      const code = async (...args: string[]) =>
        (await curl("-o", "/dev/null", "-w", "%{http_code}", ...args)).stdout;
      assert.equal(await code("-r", `${data.byteLength}-`, `${base}/boot/vmlinuz`), "416");
      assert.equal(await code(`${base}/nothere`), "404");
      assert.equal(await code("-X", "PUT", `${base}/boot/vmlinuz`), "405");
      await Deno.writeTextFile(`${dir}/secret`, "outside");
      await Deno.symlink(`${dir}/secret`, `${dir}/root/link`);
      assert.equal(await code(`${base}/link`), "403");
      // A URL's ".." segments stop at its root, so these name files inside the root: missing ones.
      assert.equal(await code("--path-as-is", `${base}/../secret`), "404");
      assert.equal(await code("--path-as-is", `${base}/boot/%2e%2e/%2e%2e/secret`), "404");
      assert.equal(await code(`${base}/boot/..%2f..%2fsecret`), "403");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("jumpstarter <name> put, list -o and remove fill a file server's directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-http-cli-" });
  try {
    const config = `${dir}/exporter.yaml`;
    await Deno.writeTextFile(
      config,
      `apiVersion: jumpstarter.dev/v1alpha1\nkind: ExporterConfig\nexport:\n` +
        `  tftp: {type: jumpstarter_driver_tftp.driver.Tftp, config: {root_dir: ${dir}/root, host: 127.0.0.1, port: 0}}\n`,
    );
    await Deno.writeTextFile(`${dir}/kernel.img`, "kernel bytes");
    const cli = (...args: string[]) =>
      runEntry("cli.ts", ["--exporter-config", config, "tftp", ...args]);
    const put = await cli("put", `${dir}/kernel.img`, "boot/kernel.img");
    assert.equal(put.code, 0, put.stderr);
    assert.match(
      put.stdout,
      /^Stored boot\/kernel.img: 12 bytes in [\d.]+ s, sha256 [0-9a-f]{64}\n$/,
    );
    assert.equal(await Deno.readTextFile(`${dir}/root/boot/kernel.img`), "kernel bytes");
    const listed = await cli("list", "-o", "json");
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((e: { name: string }) => e.name), [
      "boot/kernel.img",
    ]);
    assert.equal((await cli("list", "-o", "name")).stdout, "boot/kernel.img\n");
    const bad = await cli("list", "-o", "xml");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Invalid --output "xml": use table, json, yaml or name/);
    const escape = await cli("put", `${dir}/kernel.img`, "../outside.img");
    assert.notEqual(escape.code, 0);
    assert.match(escape.stderr, /Invalid file name "..\/outside.img": ".." is not allowed/);
    assert.equal((await cli("remove", "boot/kernel.img")).code, 0);
    assert.equal((await cli("list", "-o", "name")).stdout.trim(), "");
    const help = await cli("put", "--help");
    assert.match(help.stdout, /Examples:/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
