/**
 * `video.UStreamer` (upstream `jumpstarter_driver_ustreamer.driver.UStreamer`):
 * runs ustreamer on the exporter host against a V4L2 device and reads it as
 * an HTTP MJPEG camera. Upstream's config keys: `executable` and `args`
 * (`{device: /dev/video0, resolution: 1920x1080}` becomes `--device
 * /dev/video0 --resolution 1920x1080`). `state()` is ustreamer's own.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { spawnTool } from "./spawn_tool.ts";
import { HttpVideo } from "./http.ts";
import type { VideoState } from "./interface.ts";

/** ustreamer started on first use and stopped with the exporter. */
export class UStreamer extends HttpVideo {
  readonly executable: string;
  readonly args: string[];
  readonly #base: string;
  #child?: Deno.ChildProcess;
  #starting?: Promise<void>;
  readonly #stderr: string[] = [];

  constructor(config: DriverConfig, context: DriverContext) {
    // A free port now; ustreamer binds it when it starts (the gap is short and local).
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const base = `http://127.0.0.1:${port}`;
    super({ ...config, url: `${base}/stream`, snapshot: `${base}/snapshot` }, context);
    this.#base = base;
    const reader = new ConfigReader(config, context.path);
    this.executable = reader.string("executable", "ustreamer");
    this.args = [
      ...ustreamerArgs(config.args, context.path),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ];
  }

  override async capture(): Promise<Uint8Array> {
    await this.#started();
    return await super.capture();
  }

  override async *jpegFrames(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    await this.#started();
    yield* super.jpegFrames(signal);
  }

  /** ustreamer's `/state` as it answers it (upstream's `UStreamerState`). */
  override async state(): Promise<VideoState> {
    await this.#started();
    const response = await fetch(`${this.#base}/state`, {
      signal: AbortSignal.timeout(this.timeout * 1000),
    });
    return await response.json() as VideoState;
  }

  #started(): Promise<void> {
    if (this.#child && this.#starting) return this.#starting;
    return this.#starting = this.#start().catch((error) => {
      this.#starting = undefined;
      throw error;
    });
  }

  async #start(): Promise<void> {
    const child = spawnTool(
      this.executable,
      {
        args: this.args,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      },
      "Cannot start ustreamer",
      "ustreamer",
    );
    this.#child = child;
    this.log.info(`started ${this.executable} ${this.args.join(" ")}`);
    let exited = false;
    child.status.then(() => {
      exited = true;
      if (this.#child === child) this.#child = undefined;
    });
    this.#collect(child.stderr);
    const deadline = performance.now() + this.timeout * 1000;
    while (true) {
      if (exited) {
        throw new UnavailableError(
          `Cannot start ustreamer: it exited: ${this.#stderr.at(-1) ?? "no message"}`,
        );
      }
      const ready = await fetch(`${this.#base}/state`, { signal: AbortSignal.timeout(1000) })
        .then(async (r) => (await r.body?.cancel(), r.ok), () => false);
      if (ready) return;
      if (performance.now() > deadline) {
        await this.#stop();
        throw new UnavailableError(
          `Cannot start ustreamer: it did not answer within ${this.timeout} s: ${
            this.#stderr.at(-1) ?? "no message"
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async #collect(stderr: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    for await (const text of stderr.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + text).split("\n");
      rest = lines.pop()!;
      for (const line of lines.filter((l) => l.trim() && !/^=+$/.test(l))) {
        this.log.debug(`ustreamer: ${line}`);
        this.#stderr.push(line.replace(/^-- \w+\s+\[[^\]]*\] -- /, ""));
        if (this.#stderr.length > 20) this.#stderr.shift();
      }
    }
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch {
      // Exited already.
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited.
      }
    }, 5000);
    await child.status;
    clearTimeout(timer);
  }

  override async close(): Promise<void> {
    super.close();
    await this.#starting?.catch(() => {});
    await this.#stop();
  }
}

/** Upstream's `args` mapping as command-line options; the listening address is ours to set. */
function ustreamerArgs(args: unknown, path: string): string[] {
  if (args === undefined || args === null) return [];
  if (typeof args !== "object" || Array.isArray(args)) {
    throw new ConfigError(
      `Invalid config ${path}.config.args: expected a mapping such as {device: /dev/video0}`,
    );
  }
  return Object.entries(args).flatMap(([key, value]) => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(key) || ["host", "port", "unix"].includes(key)) {
      throw new ConfigError(
        `Invalid config ${path}.config.args.${key}: ${
          ["host", "port", "unix"].includes(key)
            ? "the driver sets where ustreamer listens"
            : "not an option name"
        }`,
      );
    }
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new ConfigError(
        `Invalid config ${path}.config.args.${key}: expected a string or number`,
      );
    }
    return value === true ? [`--${key}`] : value === false ? [] : [`--${key}`, String(value)];
  });
}
