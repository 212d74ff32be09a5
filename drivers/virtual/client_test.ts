/** The virtual board driven end to end: exporter on a unix socket, real clients. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { serveLocal } from "../../src/exporter/local.ts";
import { connect } from "../../mod.ts";
import { registry } from "../registry.ts";
import type { CliOutput } from "../../src/client/commands.ts";
import type { VirtualBoard } from "./client.ts";

function config(extra: Record<string, unknown> = {}) {
  const part = (type: string) => ({ type, config: { bootDelay: 50, ...extra } });
  return exporterConfigFrom(
    {
      export: {
        power: part("virtual.Power"),
        serial: part("virtual.Console"),
        storage: part("virtual.Storage"),
      },
    },
    Deno.cwd(),
  );
}

/** Serves `config` on a private unix socket and connects; disposing stops both. */
async function localBoard(extra: Record<string, unknown> = {}) {
  const local = await serveLocal(config(extra), registry);
  try {
    const dut = await connect<VirtualBoard>(local.host);
    return {
      dut,
      async [Symbol.asyncDispose]() {
        await dut.close();
        await local.close();
      },
    };
  } catch (error) {
    await local.close();
    throw error;
  }
}

async function writeImage(size: number): Promise<{ path: string; sha256: string }> {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, size)));
  }
  const path = await Deno.makeTempFile({ suffix: ".img" });
  await Deno.writeFile(path, bytes);
  return { path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

Deno.test("VirtualBoard clients flash, boot, log in and check the image over the wire", async () => {
  const image = await writeImage(2 * 1024 * 1024);
  try {
    await using board = await localBoard();
    const dut = board.dut;
    const progress: number[] = [];
    const flashed = await dut.storage.flash(image.path, {
      onProgress: (sent, total) => {
        assert.equal(total, 2 * 1024 * 1024);
        progress.push(sent);
      },
    });
    assert.deepEqual(flashed, { size: 2 * 1024 * 1024, sha256: image.sha256, verified: true });
    assert.equal(progress.at(-1), 2 * 1024 * 1024);
    assert.deepEqual(await dut.storage.info(), {
      size: 2 * 1024 * 1024,
      sha256: image.sha256,
      mux: "dut",
    });

    await using console = await dut.serial.open({ prompt: /# $/ });
    await dut.power.on();
    await console.expect(/login: $/, { timeout: 5000 });
    await console.sendLine("root");
    await console.expect(/# $/);
    assert.deepEqual(await console.run("sha256sum /dev/mmcblk0"), {
      output: `${image.sha256}  /dev/mmcblk0`,
      status: 0,
    });
    assert.deepEqual(await console.run("false || echo fallback"), {
      output: "fallback",
      status: 0,
    });

    const readings = [];
    for await (const reading of dut.power.read()) {
      readings.push(reading);
      break;
    }
    assert.deepEqual(readings, [{ voltage: 5, current: 0.45 }]);

    await dut.power.cycle(0);
    await console.expect("U-Boot");
    await dut.power.off();
  } finally {
    await Deno.remove(image.path);
  }
});

Deno.test("StorageClient reports an image it cannot open", async () => {
  await using board = await localBoard();
  const dut = board.dut;
  await assert.rejects(
    dut.storage.write("/nonexistent/disk.img"),
    /Cannot open image "\/nonexistent\/disk\.img": /,
  );
});

Deno.test("StorageClient commands flash with a summary and print info", async () => {
  const image = await writeImage(100_000);
  try {
    await using board = await localBoard();
    const dut = board.dut;
    const lines: string[] = [];
    const output: CliOutput = {
      out: (t) => lines.push(t),
      err: (t) => lines.push(t),
      isTerminal: false,
    };
    const commands = dut.storage.commands();
    const command = (name: string) => commands.find((c) => c.name === name)!;
    await command("flash").run({ args: { image: image.path }, options: {}, output });
    await command("info").run({ args: {}, options: {}, output });
    assert.match(lines[0], /^Flashed .*\.img: 0\.1 MB sent in \d+\.\d s, sha256 verified$/);
    assert.match(lines[1], new RegExp(image.sha256));
    assert.deepEqual(JSON.parse(lines[2]), { size: 100_000, sha256: image.sha256, mux: "dut" });
  } finally {
    await Deno.remove(image.path);
  }
});
