/**
 * `video stream`'s local web server: the driver's MJPEG stream at `/stream`
 * (one driver stream per viewer), one frame at `/snapshot`, and a page
 * showing the stream at `/`, for a browser, VLC, mpv or ffplay.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";
import { imageType } from "./image.ts";
import { MJPEG_CONTENT_TYPE } from "./mjpeg.ts";

/** What the server uses of a video client. */
export interface StreamSource {
  readonly name: string;
  stream(): Promise<Duplex>;
  snapshot(): Promise<Uint8Array<ArrayBuffer>>;
}

/** A running server. */
export interface StreamServer {
  /** The base URL, `http://127.0.0.1:PORT/`. */
  url: string;
  close(): Promise<void>;
}

/** Serves `source` on `hostname:port` (port 0: any free port). */
export function serveStream(
  source: StreamSource,
  options: { hostname?: string; port?: number; onError?: (error: unknown) => void } = {},
): StreamServer {
  const controller = new AbortController();
  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    signal: controller.signal,
    onListen: () => {},
    onError: (error) => {
      options.onError?.(error);
      return new Response(`${(error as Error).message}\n`, { status: 502 });
    },
  }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/stream") {
      const duplex = await source.stream();
      await duplex.writable.close().catch(() => {});
      return new Response(duplex.readable, {
        headers: { "content-type": MJPEG_CONTENT_TYPE, "cache-control": "no-store" },
      });
    }
    if (path === "/snapshot") {
      const frame = await source.snapshot();
      return new Response(frame, {
        headers: {
          "content-type": imageType(frame) === "jpeg" ? "image/jpeg" : "image/png",
          "cache-control": "no-store",
        },
      });
    }
    if (path === "/") {
      return new Response(page(source.name), { headers: { "content-type": "text/html" } });
    }
    return new Response("Not found: try /, /stream or /snapshot\n", { status: 404 });
  });
  const address = server.addr as Deno.NetAddr;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return {
    url: `http://${host}:${address.port}/`,
    close: async () => {
      controller.abort();
      await server.finished;
    },
  };
}

function page(name: string): string {
  const title = name.replace(/[<>&"]/g, "");
  return `<!doctype html><title>${title}</title>` +
    `<body style="margin:0;background:#111"><img src="stream" alt="${title}" ` +
    `style="display:block;margin:auto;max-width:100%"></body>\n`;
}
