#!/usr/bin/env -S deno run -A
/**
 * Powers the board of the current session on and captures its console until
 * the login prompt, into a timestamped log file.
 *
 *   jumpstarter run examples/capture_console.ts -- boot.log
 */
import { env, type VirtualBoard } from "@jumpstarter/jumpstarter";

const out = Deno.args[0] ?? "console.log";
await using dut = await env<VirtualBoard>();
await using serial = await dut.serial.open({ transcriptFile: out });
await dut.power.cycle(0.5);
await serial.expect(/login: /, { timeout: 30_000 });
await serial.saveTranscript(out);
await dut.power.off();
console.log(`console captured to ${out}`);
