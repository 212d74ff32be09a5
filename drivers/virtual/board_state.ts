/**
 * The simulated board behind the virtual drivers: power, the boot sequence,
 * the console's UART and the disk the storage mux switches. Its power,
 * console and storage drivers share one instance through the exporter.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { BOOT_LOG, type BootView, kernelStamp } from "./boot_log.ts";
import { VirtualShell } from "./guest_shell.ts";

/** Where the storage is connected. */
export type MuxState = "host" | "dut" | "off";

/** The image on the board's disk. */
export interface DiskImage {
  size: number;
  sha256: string;
}

/** Power and boot progress. */
export type BoardPhase = "off" | "booting" | "running";

/** Milliseconds from power on to the login prompt, unless configured. */
export const DEFAULT_BOOT_DELAY = 500;

/** Receives console output. */
export type ConsoleSink = (bytes: Uint8Array) => void;

/**
 * One simulated board. Output goes to every attached console and is lost
 * when none is attached, as on a real UART.
 */
export class BoardState implements BootView {
  /** Where the storage is connected; the board only sees its disk on `dut`. */
  mux: MuxState = "dut";
  /** The image on the disk; null when nothing was written. */
  image: DiskImage | null = null;

  readonly #sinks = new Set<ConsoleSink>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  #phase: BoardPhase = "off";
  #poweredAt = 0;
  #kernelAt = 0;
  #shell?: VirtualShell;
  #users = 0;

  /** `bootDelay`: milliseconds from power on to the login prompt. */
  constructor(readonly name: string, readonly bootDelay = DEFAULT_BOOT_DELAY) {}

  get phase(): BoardPhase {
    return this.#phase;
  }

  get powered(): boolean {
    return this.#phase !== "off";
  }

  /** Seconds since power on (0 while off). */
  uptime(): number {
    return this.powered ? (performance.now() - this.#poweredAt) / 1000 : 0;
  }

  /** What a power meter would read: more while booting, nothing while off. */
  current(): number {
    return this.#phase === "off" ? 0 : this.#phase === "booting" ? 0.9 : 0.45;
  }

  /** Size of the disk the board sees, if it sees one. */
  diskSize(): number | undefined {
    return this.mux === "dut" && this.image ? this.image.size : undefined;
  }

  /** Powers on and starts booting; does nothing when already on. */
  powerOn(): void {
    if (this.powered) return;
    this.#phase = "booting";
    this.#poweredAt = performance.now();
    const kernelStart = BOOT_LOG.find((line) => line.kind !== "plain")?.at ?? 0;
    this.#kernelAt = this.#poweredAt + kernelStart * this.bootDelay;
    for (const line of BOOT_LOG) {
      this.#later(line.at * this.bootDelay, () => {
        const text = line.text(this);
        if (line.kind === "plain") this.#print(text);
        else {this.#print(
            `${kernelStamp(line.kind === "early" ? 0 : this.#kernelTime())} ${text}\r\n`,
          );}
      });
    }
    this.#later(this.bootDelay, () => {
      this.#phase = "running";
      this.#shell = new VirtualShell({
        print: (text) => this.#print(text),
        uptime: () => this.uptime(),
        disk: () => this.#disk(),
        poweroff: () => this.#shutdown("reboot: Power down", false),
        reboot: () => this.#shutdown("reboot: Restarting system", true),
      });
      this.#shell.start();
    });
  }

  /** Cuts the power: pending boot output is dropped and the console goes silent. */
  powerOff(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#shell?.stop();
    this.#shell = undefined;
    this.#phase = "off";
  }

  /** Connects a console; returns the function that disconnects it. */
  attach(sink: ConsoleSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** Bytes typed on a console; ignored unless the board is up. */
  input(bytes: Uint8Array): void {
    const text = this.#decoder.decode(bytes, { stream: true });
    if (this.#phase === "running") this.#shell?.input(text);
  }

  /** Counts a driver using this board; `release()` when it closes. */
  retain(): void {
    this.#users++;
  }

  /** Stops the board when the last driver using it closes. */
  release(): void {
    if (--this.#users <= 0) this.powerOff();
  }

  #kernelTime(): number {
    return Math.max(0, performance.now() - this.#kernelAt) / 1000;
  }

  #disk(): DiskImage | { error: string } {
    if (this.mux !== "dut") return { error: "No such device or address" };
    if (!this.image || this.image.size === 0) return { error: "No medium found" };
    return this.image;
  }

  #shutdown(last: string, restart: boolean): void {
    this.#print(`${kernelStamp(this.#kernelTime())} ${last}\r\n`);
    this.powerOff();
    if (restart) this.powerOn();
  }

  #later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }

  #print(text: string): void {
    const bytes = this.#encoder.encode(text);
    for (const sink of this.#sinks) sink(bytes);
  }
}

/**
 * The board a virtual driver belongs to, shared by every driver whose config
 * names the same `board` (default "board"). Config: `board`, `bootDelay` (ms
 * from power on to the login prompt, default 500; the first driver to ask sets it).
 */
export function sharedBoard(config: DriverConfig, context: DriverContext): BoardState {
  const reader = new ConfigReader(config, context.path);
  const name = reader.string("board", "board");
  const bootDelay = reader.number("bootDelay", DEFAULT_BOOT_DELAY, 0);
  return context.shared(`virtual-board:${name}`, () => new BoardState(name, bootDelay));
}
