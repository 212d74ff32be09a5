/**
 * Static files over HTTP from a `FileRoot`: `GET` and `HEAD`, one byte range
 * per request (`Range: bytes=A-B`, `A-`, `-N`; 206 with `Content-Range`, 416
 * when unsatisfiable), exact `Content-Length`, `Last-Modified`. Anything
 * else is 405; names the root refuses are 403, missing files 404.
 *
 * @module
 */
import type { Logger } from "../../src/log.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { BadNameError, type FileRoot } from "./file_root.ts";
import type { RunningServer } from "./file_server_driver.ts";

/** Bytes read from the file per chunk of the response body. */
const CHUNK = 1 << 20;

/** The byte range a `Range` header asks for within `size`; null: the whole file; "bad": 416. */
export function parseRange(header: string | null, size: number): [number, number] | null | "bad" {
  if (header === null) return null;
  const match = header.match(/^bytes=(\d*)-(\d*)$/);
  // Several ranges or another unit: answering with the whole file is allowed (RFC 9110 14.2).
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return "bad";
  if (first === "") {
    const suffix = Math.min(Number(last), size);
    return suffix === 0 ? "bad" : [size - suffix, size - 1];
  }
  const start = Number(first);
  if (start >= size) return "bad";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return end < start ? "bad" : [start, end];
}

/** The bytes `start`..`end` (inclusive) of an open file as a stream; closes the file. */
function fileBody(file: Deno.FsFile, start: number, end: number): ReadableStream<Uint8Array> {
  let left = end - start + 1;
  return new ReadableStream({
    type: "bytes",
    async start() {
      if (start > 0) await file.seek(start, Deno.SeekMode.Start);
    },
    async pull(controller) {
      const buffer = new Uint8Array(Math.min(CHUNK, left));
      const read = buffer.byteLength === 0 ? null : await file.read(buffer);
      if (read === null) {
        file.close();
        controller.close();
        return;
      }
      left -= read;
      controller.enqueue(buffer.subarray(0, read));
      if (left === 0) {
        file.close();
        controller.close();
      }
    },
    cancel() {
      file.close();
    },
  });
}

/** Answers one request from `root`. */
export async function fileResponse(root: FileRoot, request: Request): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  let found;
  try {
    found = await root.file(decodeURIComponent(new URL(request.url).pathname));
  } catch (error) {
    if (error instanceof BadNameError) return new Response(`${error.message}\n`, { status: 403 });
    if (error instanceof Deno.errors.NotFound || error instanceof URIError) {
      return new Response("Not found\n", { status: 404 });
    }
    throw error;
  }
  const headers = new Headers({
    "accept-ranges": "bytes",
    "content-type": "application/octet-stream",
  });
  if (found.mtime) headers.set("last-modified", found.mtime.toUTCString());
  const range = parseRange(request.headers.get("range"), found.size);
  if (range === "bad") {
    headers.set("content-range", `bytes */${found.size}`);
    return new Response(null, { status: 416, headers });
  }
  const [start, end] = range ?? [0, found.size - 1];
  headers.set("content-length", String(Math.max(0, end - start + 1)));
  if (range) headers.set("content-range", `bytes ${start}-${end}/${found.size}`);
  const status = range ? 206 : 200;
  if (request.method === "HEAD" || found.size === 0) return new Response(null, { status, headers });
  const file = await Deno.open(found.path, { read: true });
  return new Response(fileBody(file, start, end), { status, headers });
}

/** Serves `root` on `host:port` until closed. */
export function serveFiles(
  root: FileRoot,
  host: string,
  port: number,
  log: Logger,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: host,
        port,
        onListen: (addr) => {
          resolve({ port: addr.port, close: () => server.shutdown() });
        },
        onError: (error) => {
          log.warning(`http: ${messageOf(error)}`);
          return new Response("Internal server error\n", { status: 500 });
        },
      }, (request) => fileResponse(root, request));
    } catch (error) {
      reject(error);
    }
  });
}
