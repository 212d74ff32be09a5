/**
 * One RouterService.Stream call, as upstream's exporter serves a driver
 * stream or a resource, seen as a `Duplex`: DATA frames carry the bytes,
 * PING frames are skipped, GOAWAY is the end and RST_STREAM an error.
 *
 * @module
 */
import type { Client } from "@connectrpc/connect";
import { FrameType, type RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import type { Duplex } from "../driver/stream.ts";
import { UnavailableError } from "../driver/errors.ts";
import { fromConnectError } from "../transport/errors.ts";
import { framesFrom } from "../transport/frames.ts";

/** An open RouterService.Stream call. */
export interface RouterStreamDuplex {
  /** The call's bytes, both ways. */
  duplex: Duplex;
  /** Settles when the exporter's first frame arrives, or the call fails first. */
  opened: Promise<void>;
  /** Cancels the call. */
  abort(): void;
}

/**
 * One RouterService.Stream call as a Duplex (PING frames skipped, GOAWAY = EOF);
 * `opened` settles when the exporter's first frame arrives or the call fails first.
 */
export function routerStreamDuplex(
  router: Client<typeof RouterService>,
  calls: AbortSignal,
  request: string,
  onHeader: ((headers: Headers) => void) | undefined,
): RouterStreamDuplex {
  const cancel = new AbortController();
  let accepted!: () => void;
  let refused!: (error: unknown) => void;
  const opened = new Promise<void>((resolve, reject) => {
    accepted = resolve;
    refused = reject;
  });
  opened.catch(() => {});
  let grace: ReturnType<typeof setTimeout> | undefined;
  // Our exporter sends a PING frame as soon as the driver accepted the stream.
  const accept = () => {
    clearTimeout(grace);
    accepted();
  };
  const refuse = (error: unknown) => {
    clearTimeout(grace);
    refused(error);
  };
  const signal = AbortSignal.any([cancel.signal, calls]);
  const outgoing = new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    new CountQueuingStrategy({ highWaterMark: 4 }),
  );
  // Once the exporter has ended the call nobody reads what we send: cancelling our
  // reader then fails pending writes instead of leaving them blocked forever.
  const sending = outgoing.readable.getReader();
  const stopSending = () =>
    void sending.cancel(new UnavailableError("The exporter ended the stream")).catch(() => {});
  signal.addEventListener("abort", stopSending, { once: true });
  const requestSide = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await sending.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => sending.cancel(reason),
  }, { highWaterMark: 0 });
  const ended = async () => {
    try {
      while (!(await responses.next()).done) { /* drain until the call ends */ }
    } catch {
      // Ended with an error: the same outcome for the sending side.
    }
    stopSending();
  };
  const responses = router.stream(framesFrom(requestSide), {
    headers: { request },
    signal,
    onHeader: (headers) => {
      onHeader?.(headers);
      // An exporter that sends no first frame is taken as accepted after a short grace.
      grace ??= setTimeout(accept, 200);
    },
  })[Symbol.asyncIterator]();
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        while (true) {
          const next = await responses.next();
          accept();
          if (next.done) {
            stopSending();
            controller.close();
            return;
          }
          if (next.value.frameType === FrameType.GOAWAY) {
            controller.close();
            void ended();
            return;
          }
          if (next.value.frameType === FrameType.RST_STREAM) {
            stopSending();
            controller.error(new UnavailableError("The exporter reset the stream"));
            return;
          }
          if (next.value.frameType === FrameType.DATA && next.value.payload.byteLength > 0) {
            controller.enqueue(next.value.payload);
            return;
          }
        }
      } catch (error) {
        const reason = signal.aborted
          ? new UnavailableError("Stream closed")
          : fromConnectError(error);
        refuse(reason);
        stopSending();
        controller.error(reason);
      }
    },
    cancel() {
      cancel.abort();
    },
  }, new CountQueuingStrategy({ highWaterMark: 4 }));
  return {
    duplex: { readable, writable: outgoing.writable },
    opened,
    abort: () => cancel.abort(),
  };
}
