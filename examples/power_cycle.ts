#!/usr/bin/env -S deno run -A
/**
 * Power-cycles the board of the current session and waits for its login prompt.
 *
 *   jumpstarter shell --exporter-config examples/virtual-board.yaml -- ./examples/power_cycle.ts
 */
import { env, type VirtualBoard } from "@jumpstarter/jumpstarter";

await using dut = await env<VirtualBoard>();
await using serial = await dut.serial.open();
await dut.power.cycle(1);
await serial.expect("login:", { timeout: 30_000 });
console.log("board is up: login prompt seen");
