/**
 * The board page's requests, for a lease the logged-in client holds: the
 * board's drivers, its serial console (output streamed to the page, typed
 * input posted back) and power on, off and cycle. Everything goes through
 * the router like any client's, as that client.
 *
 * @module
 */
import type { Controller } from "../controller.ts";
import type { Identity, LeaseRecord } from "../model.ts";
import {
  type BoardConnection,
  type BoardDriver,
  type BoardLinks,
  driverOf,
} from "./board_links.ts";
import { readBody, type Req, type Res, send, sendError, sendJson } from "./http_io.ts";
import type { LoginSession } from "./login_sessions.ts";
import { leaseRow, works } from "./state_view.ts";

const MAX_INPUT_BYTES = 4096;

/** The board's screen: a video driver, whose client is upstream's ustreamer client label. */
const videoOf = (drivers: BoardDriver[]) =>
  driverOf(drivers, "UStreamerClient") ?? driverOf(drivers, "VideoClient");
const POWER_ACTIONS = new Set(["on", "off", "cycle"]);

/** Serves `/api/boards/LEASE[/console|/power/ACTION]`. */
export class BoardRoutes {
  /** The console input of each page: by `session id|lease`. */
  readonly #consoles = new Map<string, WritableStreamDefaultWriter<Uint8Array>>();

  constructor(readonly controller: Controller, readonly links: BoardLinks) {}

  async handle(
    req: Req,
    res: Res,
    parts: string[],
    who: { session: LoginSession; identity: Identity },
  ): Promise<void> {
    const [leaseName, what, action] = parts;
    const lease = this.#lease(who.identity, leaseName);
    if (!lease) return sendError(res, 404, `No lease "${leaseName}" of yours is active`);
    if (!lease.exporter || !lease.effectiveBeginTime) {
      return sendError(res, 409, `Lease "${leaseName}" is not ready yet`);
    }
    const use = <T>(fn: (c: BoardConnection) => Promise<T>) =>
      this.links.with(
        `${who.session.key}|${lease.namespace}/${lease.name}`,
        async () =>
          await this.links.opener({
            token: await this.controller.authority.issue(who.identity),
            namespace: who.identity.namespace,
            name: who.identity.name,
          }, lease.name),
        fn,
      );
    const consoleKey = `${who.session.id}|${lease.name}`;
    if (what === undefined && req.method === "GET") {
      const drivers = await use((c) => Promise.resolve(c.drivers));
      return sendJson(res, 200, {
        lease: leaseRow(this.controller, lease, who.identity),
        drivers: drivers.map(({ name, client }) => ({ name, client })),
        power: driverOf(drivers, "PowerClient") !== undefined,
        serial: driverOf(drivers, "SerialClient") !== undefined,
        video: videoOf(drivers) !== undefined,
      });
    }
    if (what === "console" && req.method === "GET") {
      return await use((c) => this.#streamConsole(req, res, c, consoleKey));
    }
    if (what === "console" && req.method === "POST") {
      const writer = this.#consoles.get(consoleKey);
      if (!writer) return sendError(res, 409, "The console is not open");
      const input = await readBody(req, MAX_INPUT_BYTES);
      await writer.write(input);
      return send(res, 204, "");
    }
    if (what === "screen" && req.method === "GET") {
      return await use((c) => this.#streamScreen(req, res, c));
    }
    if (what === "power" && req.method === "POST" && POWER_ACTIONS.has(action)) {
      await use(async (c) => {
        const power = driverOf(c.drivers, "PowerClient");
        if (!power) throw new TypeError("This board has no power driver");
        await c.call(power.uuid, action, []);
      });
      return sendJson(res, 200, { power: action === "off" ? "off" : "on" });
    }
    sendError(res, 404, "No such board request");
  }

  #lease(identity: Identity, name: string | undefined): LeaseRecord | undefined {
    if (!name || name.length > 253) return undefined;
    const lease = this.controller.leases.get(`${identity.namespace}/${name}`);
    return lease && !lease.ended && works(identity, lease) ? lease : undefined;
  }

  async #streamConsole(req: Req, res: Res, c: BoardConnection, key: string): Promise<void> {
    const serial = driverOf(c.drivers, "SerialClient");
    if (!serial) return sendError(res, 404, "This board has no serial console");
    const stream = await c.openStream(serial.uuid, "connect");
    const writer = stream.writable.getWriter();
    this.#consoles.get(key)?.close().catch(() => {});
    this.#consoles.set(key, writer);
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    // Headers now, not with the first output: a board that is off prints nothing yet.
    (res as { flushHeaders?: () => void }).flushHeaders?.();
    const reader = stream.readable.getReader();
    const stop = () => reader.cancel().catch(() => {});
    req.once("close", stop);
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        (res as { write(chunk: Uint8Array): boolean }).write(value);
      }
    } catch {
      // The page went away or the lease ended.
    } finally {
      req.off("close", stop);
      if (this.#consoles.get(key) === writer) this.#consoles.delete(key);
      writer.close().catch(() => {});
      res.end();
    }
  }

  /**
   * The board's screen as the video driver streams it (MJPEG parts through
   * the router), served as `multipart/x-mixed-replace` for an `<img>`; the
   * boundary is the one the stream's first part names. While the board has
   * no picture (it is off, or was power cycled) the answer stays open and
   * the driver is asked again every 2 s, so the page needs no retries.
   */
  async #streamScreen(req: Req, res: Res, c: BoardConnection): Promise<void> {
    const video = videoOf(c.drivers);
    if (!video) return sendError(res, 404, "This board has no video driver");
    let closed = false;
    let stop = () => {};
    const onClose = () => {
      closed = true;
      stop();
    };
    req.once("close", onClose);
    const out = res as { write(chunk: Uint8Array): boolean };
    let started = false;
    try {
      while (!closed) {
        const stream = await c.openStream(video.uuid, "connect").catch(() => undefined);
        const reader = stream?.readable.getReader();
        stop = () => reader?.cancel().catch(() => {});
        try {
          const first = reader ? await reader.read() : { done: true as const };
          if (!first.done) {
            if (!started) {
              const line = new TextDecoder().decode(first.value.subarray(0, 200));
              const boundary = line.match(/^--([^\r\n]{1,70})\r?\n/)?.[1];
              if (!boundary) return sendError(res, 502, "The video driver sent no MJPEG");
              res.writeHead(200, {
                "content-type": `multipart/x-mixed-replace; boundary=${boundary}`,
                "cache-control": "no-store",
              });
              started = true;
            }
            out.write(first.value);
            while (true) {
              const { value, done } = await reader!.read();
              if (done) break;
              out.write(value);
            }
          }
        } catch {
          // This stream failed (the board went off, the lease ended): ask again below.
        } finally {
          stream?.writable.close().catch(() => {});
        }
        if (!closed) await new Promise((r) => setTimeout(r, 2000));
      }
    } finally {
      req.off("close", onClose);
      if (!res.writableEnded) res.end();
    }
  }

  close(): void {
    for (const writer of this.#consoles.values()) writer.close().catch(() => {});
    this.#consoles.clear();
  }
}
