/**
 * A driver byte stream as one RouterService.Stream call sent straight on the
 * HTTP/2 session (`grpc_raw.ts`), seen as a `Duplex`: the same frames and
 * the same behaviour as `router_stream_duplex.ts` (PING frames skipped,
 * GOAWAY the end of each direction, RST_STREAM an error), without Connect's
 * per-message pipeline. Each write leaves as one DATA frame message, each
 * received DATA payload is a view of what the socket read.
 *
 * @module
 */
import * as http2 from "node:http2";
import { FrameType } from "../gen/jumpstarter/v1/router_pb.ts";
import { UnavailableError } from "../driver/errors.ts";
import { fromConnectError } from "../transport/errors.ts";
import { MAX_FRAME } from "../transport/frames.ts";
import { decodeFrame, drained, frameEnvelope, MessageReader } from "../transport/grpc_wire.ts";
import { type RawGrpc, statusOf, unavailable } from "./grpc_raw.ts";
import type { RouterStreamDuplex } from "./router_stream_duplex.ts";

const STREAM = "/jumpstarter.v1.RouterService/Stream";
const EMPTY = new Uint8Array(0);

/**
 * One RouterService.Stream call with the `request` header as a Duplex;
 * `opened` settles when the exporter's first frame arrives (or 200 ms after
 * its headers, for an exporter that sends none) or the call fails first.
 */
export function rawStreamDuplex(
  raw: RawGrpc,
  calls: AbortSignal,
  request: string,
): RouterStreamDuplex {
  const cancel = new AbortController();
  const signal = AbortSignal.any([cancel.signal, calls]);
  let accepted!: () => void;
  let refused!: (error: unknown) => void;
  const opened = new Promise<void>((resolve, reject) => {
    accepted = resolve;
    refused = reject;
  });
  opened.catch(() => {});
  let grace: ReturnType<typeof setTimeout> | undefined;
  const accept = () => {
    clearTimeout(grace);
    accepted();
  };

  let reading!: ReadableStreamDefaultController<Uint8Array>;
  let readDone = false;
  let sending!: WritableStreamDefaultController;
  let sendDone = false;
  let stream: http2.ClientHttp2Stream | undefined;
  /** Once the exporter has ended the call nobody reads what we send: pending writes fail. */
  const stopSending = () => {
    if (sendDone) return;
    sendDone = true;
    sending.error(new UnavailableError("The exporter ended the stream"));
  };
  const endReading = (error?: Error) => {
    if (readDone) return;
    readDone = true;
    if (error) reading.error(error);
    else reading.close();
  };
  const fail = (error: Error) => {
    clearTimeout(grace);
    refused(error);
    endReading(error);
    stopSending();
  };

  const started = raw.open(STREAM, { request }).then((opened) => {
    stream = opened;
    if (signal.aborted) stream.close(http2.constants.NGHTTP2_CANCEL);
    wire(opened);
    return opened;
  });
  started.catch((error) => fail(fromConnectError(error)));

  function wire(s: http2.ClientHttp2Stream) {
    const messages = new MessageReader();
    let headers: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let failure: Error | undefined;
    const onAbort = () => s.close(http2.constants.NGHTTP2_CANCEL);
    signal.addEventListener("abort", onAbort, { once: true });
    s.once("response", (h) => {
      headers = h;
      // An exporter that sends no first frame is taken as accepted after a short grace.
      grace ??= setTimeout(accept, 200);
    });
    s.once("trailers", (t) => trailers = t);
    s.on("data", (chunk: Uint8Array) => {
      raw.manager.notifyResponseByteRead(s);
      if (readDone) return; // after GOAWAY: read to the end of the call, dropped
      try {
        for (const message of messages.push(chunk)) {
          const frame = decodeFrame(message);
          accept();
          if (frame.frameType === FrameType.GOAWAY) return endReading();
          if (frame.frameType === FrameType.RST_STREAM) {
            return fail(new UnavailableError("The exporter reset the stream"));
          }
          if (frame.frameType === FrameType.DATA && frame.payload.byteLength > 0) {
            reading.enqueue(frame.payload);
          }
        }
      } catch (error) {
        failure ??= fromConnectError(unavailable(error));
        s.close(http2.constants.NGHTTP2_CANCEL);
        return;
      }
      if ((reading.desiredSize ?? 1) <= 0) s.pause();
    });
    s.once("error", (error) => failure ??= fromConnectError(unavailable(error)));
    // The call ends at the exporter's end of stream (its trailers came first) or at the close.
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) return fail(new UnavailableError("Stream closed"));
      const status = failure ?? (() => {
        const error = statusOf(headers, trailers);
        return error ? fromConnectError(error) : undefined;
      })();
      if (status) return fail(status);
      accept();
      endReading();
      stopSending();
    };
    s.once("end", end);
    s.once("close", end);
  }

  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      reading = controller;
    },
    pull() {
      if (stream?.isPaused()) stream.resume();
    },
    cancel() {
      readDone = true;
      cancel.abort();
    },
  }, new CountQueuingStrategy({ highWaterMark: 4 }));

  const writable = new WritableStream<Uint8Array>({
    start(controller) {
      sending = controller;
    },
    async write(chunk) {
      const s = stream ?? await started;
      for (let offset = 0; offset < chunk.byteLength; offset += MAX_FRAME) {
        if (sendDone || s.destroyed) throw new UnavailableError("The exporter ended the stream");
        const payload = offset === 0 && chunk.byteLength <= MAX_FRAME
          ? chunk
          : chunk.subarray(offset, offset + MAX_FRAME);
        if (!s.write(frameEnvelope(payload, FrameType.DATA))) await drained(s);
      }
    },
    async close() {
      const s = stream ?? await started;
      if (sendDone || s.destroyed) return;
      sendDone = true;
      s.end(frameEnvelope(EMPTY, FrameType.GOAWAY));
    },
    abort() {
      sendDone = true;
      cancel.abort();
    },
  }, new CountQueuingStrategy({ highWaterMark: 4 }));

  return {
    duplex: { readable, writable },
    opened,
    abort: () => cancel.abort(),
  };
}
