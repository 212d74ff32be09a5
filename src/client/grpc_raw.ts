/**
 * gRPC calls sent straight on a connect-node session manager's HTTP/2
 * session, for the hot ExporterService.DriverCall (unary here) and the
 * driver byte streams of RouterService.Stream (`raw_stream_duplex.ts`): the same bytes as
 * Connect's gRPC transport (`src/transport/grpc_wire.ts`), without its
 * per-call pipeline (async iterables, linked abort signals, header
 * conversions). Failures are ConnectErrors, as Connect's would be.
 *
 * @module
 */
import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { envelope, MessageReader } from "../transport/grpc_wire.ts";

/** Sends gRPC calls on one session manager (with `headers` on every call). */
export class RawGrpc {
  readonly #headers: Record<string, string>;

  constructor(readonly manager: Http2SessionManager, headers: Record<string, string> = {}) {
    this.#headers = {
      ...headers,
      "content-type": "application/grpc+proto",
      te: "trailers",
    };
  }

  /** Opens a call of `path` (with `headers` besides the common ones); its body is the caller's. */
  async open(path: string, headers: Record<string, string>): Promise<http2.ClientHttp2Stream> {
    try {
      return await this.manager.request("POST", path, { ...this.#headers, ...headers }, {});
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Calls `path` with one encoded message; resolves with the one encoded answer. */
  async unary(path: string, message: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    if (signal.aborted) throw canceled();
    let stream: http2.ClientHttp2Stream;
    try {
      stream = await this.manager.request("POST", path, this.#headers, {});
    } catch (error) {
      throw unavailable(error);
    }
    const manager = this.manager;
    return await new Promise<Uint8Array>((resolve, reject) => {
      const reader = new MessageReader();
      const messages: Uint8Array[] = [];
      let headers: http2.IncomingHttpHeaders | undefined;
      let trailers: http2.IncomingHttpHeaders | undefined;
      let failure: unknown;
      const onAbort = () => {
        failure ??= canceled();
        stream.close(http2.constants.NGHTTP2_CANCEL);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      stream.once("response", (h) => headers = h);
      stream.once("trailers", (t) => trailers = t);
      stream.on("data", (chunk: Uint8Array) => {
        manager.notifyResponseByteRead(stream);
        try {
          for (const m of reader.push(chunk)) messages.push(m);
        } catch (error) {
          failure ??= new ConnectError(String((error as Error).message), Code.Internal);
          stream.close(http2.constants.NGHTTP2_CANCEL);
        }
      });
      stream.once("error", (error) => failure ??= unavailable(error));
      stream.once("close", () => {
        signal.removeEventListener("abort", onAbort);
        if (failure !== undefined) return reject(failure);
        const status = statusOf(headers, trailers);
        if (status) return reject(status);
        if (messages.length !== 1 || !reader.empty) {
          return reject(
            new ConnectError("A unary answer must be one whole message", Code.Internal),
          );
        }
        resolve(messages[0]);
      });
      stream.end(envelope(message));
    });
  }
}

function canceled(): ConnectError {
  return new ConnectError("The call was cancelled", Code.Canceled);
}

/** A failure of the HTTP/2 stream or session as a ConnectError (UNAVAILABLE). */
export function unavailable(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  return new ConnectError(error instanceof Error ? error.message : String(error), Code.Unavailable);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The call's error from its status (trailers, or headers of a trailers-only answer), if any. */
export function statusOf(
  headers: http2.IncomingHttpHeaders | undefined,
  trailers: http2.IncomingHttpHeaders | undefined,
): ConnectError | undefined {
  if (!headers) return new ConnectError("The exporter sent no answer", Code.Unavailable);
  const http = Number(headers[":status"]);
  const code = first(trailers?.["grpc-status"] ?? headers["grpc-status"]);
  if (code === undefined) {
    return new ConnectError(
      http === 200 ? "The answer carried no grpc-status" : `HTTP status ${http}`,
      http === 200 ? Code.Internal : Code.Unknown,
    );
  }
  const value = Number(code);
  if (value === 0) return undefined;
  const raw = first(trailers?.["grpc-message"] ?? headers["grpc-message"]) ?? "";
  let message = raw;
  try {
    message = decodeURIComponent(raw);
  } catch { /* shown as sent */ }
  return new ConnectError(
    message,
    Number.isInteger(value) && value > 0 && value < 17 ? value : Code.Unknown,
  );
}
