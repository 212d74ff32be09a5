/**
 * `jumpstarter demo`: a tour of local mode on the built-in virtual board:
 * flash an image, power on, log in on the console, run commands, power off.
 *
 * @module
 */
import type { Command } from "commander";
import type { VirtualBoard } from "./builtin_drivers.ts";
import { terminal } from "./run.ts";

const help = `
Example:
  $ jumpstarter demo
  $ jumpstarter demo --image-size 64

Starts a local session on the built-in virtual board (or --exporter-config FILE with the same
power/serial/storage names), flashes a generated disk image, boots, logs in on the console,
runs commands, checks the image checksum on the board, and powers off.`;

/** Runs the demo; returns 0 when every step passed. */
export async function runDemo(
  options: { imageSize: number; exporterConfig?: string },
): Promise<number> {
  const started = performance.now();
  // Loaded when the demo runs, not when the CLI lists its commands.
  const [
    { builtinVirtualBoard },
    { loadExporterConfig },
    { connect },
    { ProgressBar },
    { startInProcess },
    { registry },
  ] = await Promise.all([
    import("../config/builtin.ts"),
    import("../config/exporter_config.ts"),
    import("../client/connect.ts"),
    import("../client/progress.ts"),
    import("./local_target.ts"),
    import("./builtin_drivers.ts"),
  ]);
  const step = (text: string) =>
    terminal.out(`[${((performance.now() - started) / 1000).toFixed(2).padStart(5)}s] ${text}`);
  const config = options.exporterConfig
    ? await loadExporterConfig(options.exporterConfig)
    : builtinVirtualBoard();
  const target = await startInProcess(config, "warning");
  const imagePath = await Deno.makeTempFile({ prefix: "jumpstarter-demo-", suffix: ".img" });
  try {
    step(`local session: exporter "${config.metadata.name}" on ${target.host}`);
    await using dut = await connect<VirtualBoard>(target.host, { registry });
    step(`drivers: ${[...dut.children.keys()].join(", ")}`);

    const size = options.imageSize * 1024 * 1024;
    const image = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536) {
      crypto.getRandomValues(image.subarray(offset, Math.min(offset + 65536, size)));
    }
    await Deno.writeFile(imagePath, image);
    const expected = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", image)))
      .map((b) => b.toString(16).padStart(2, "0")).join("");

    await dut.storage.host();
    const bar = new ProgressBar("flashing", terminal.isTerminal);
    const flashStart = performance.now();
    const flashed = await dut.storage.flash(imagePath, {
      onProgress: (sent: number, total?: number) => bar.update(sent, total),
    }) as { size: number; sha256: string };
    bar.done();
    const seconds = (performance.now() - flashStart) / 1000;
    step(
      `flashed ${options.imageSize} MiB in ${seconds.toFixed(2)} s (${
        (options.imageSize / seconds).toFixed(0)
      } MiB/s), sha256 ${flashed.sha256.slice(0, 16)}… ${
        flashed.sha256 === expected ? "matches" : "DIFFERS"
      }`,
    );
    await dut.storage.dut();

    await using serial = await dut.serial.open();
    await dut.power.on();
    step("power on");
    await serial.expect(/login: /, { timeout: 10_000 });
    step("console: login prompt");
    await serial.sendLine("root");
    await serial.expect(/# $/, { timeout: 5_000 });
    step("console: logged in as root");
    const uname = await serial.run("uname -a");
    step(`console: uname -a → ${uname.output.trim()} (exit ${uname.status})`);
    const sum = await serial.run("sha256sum /dev/mmcblk0");
    const onBoard = sum.output.trim().split(/\s+/)[0];
    step(
      `console: sha256sum /dev/mmcblk0 → ${onBoard.slice(0, 16)}… ${
        onBoard === expected ? "matches the image" : "DIFFERS"
      }`,
    );
    await dut.power.off();
    step("power off");
    const ok = flashed.sha256 === expected && onBoard === expected && uname.status === 0;
    step(ok ? "demo passed: every step worked" : "demo FAILED: see the lines above");
    return ok ? 0 : 1;
  } finally {
    await target.close();
    await Deno.remove(imagePath).catch(() => {});
  }
}

/** Adds `demo` to the program. */
export function addDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Tour local mode on the built-in virtual board (finishes in seconds)")
    .option("--image-size <MiB>", "size of the generated disk image", (v) => Number(v), 16)
    .option("--exporter-config <file>", "use this exporter config instead of the built-in board")
    .addHelpText("after", help)
    .action(async (options: { imageSize: number; exporterConfig?: string }) => {
      if (!Number.isInteger(options.imageSize) || options.imageSize < 1) {
        throw new TypeError(
          `Invalid --image-size ${options.imageSize}: use a whole number of MiB >= 1`,
        );
      }
      const code = await runDemo(options);
      if (code !== 0) Deno.exit(code);
    });
}
