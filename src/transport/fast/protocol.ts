/**
 * The fast local channel: a small binary protocol this project's exporter
 * offers beside its wire-compatible gRPC socket, and this project's client
 * uses when offered. Upstream peers never see it: they keep using gRPC.
 *
 * Negotiation. `serveLocal` listens on a unix socket `P` (gRPC) and on its
 * sibling `P.fast` (same private directory, mode 0600), and GetReport's
 * exporter labels carry `jumpstarter.dev/fast-path: sibling`. A client that
 * reached `P` over gRPC, sees the label and can open `P.fast` (the hello
 * below succeeds and names the same exporter uuid) uses it; otherwise it
 * stays on gRPC without a word.
 *
 * Opening. Every connection to `P.fast` starts with one header from the
 * client and one answer from the exporter, each a 4-byte big-endian length
 * and that many bytes of UTF-8 JSON:
 *
 * ```text
 * header  {"v":1,"kind":"calls","exporter":"<exporter uuid>"}      (the uuid is optional)
 *         {"v":1,"kind":"driver","uuid":"<driver uuid>","method":"connect","session":"<id>"}
 *         {"v":1,"kind":"resource","uuid":"<driver uuid>","x_jmp_content_encoding":null,"session":"<id>"}
 * answer  {"ok":true,"session":"<id>","report":{...},"socket":{"dev":D,"ino":I}}   (calls)
 *         {"ok":true,"stream":"<id>"}                          (driver)
 *         {"ok":true,"stream":"<id>","resource":{"kind":"client_stream","uuid":"<resource uuid>"}}
 *         {"ok":false,"code":"not_found","message":"..."}      (then the exporter closes)
 * ```
 *
 * The calls answer carries the exporter's report (GetReport's uuid, labels,
 * reports and motd, as JSON) and the device and inode of the gRPC socket
 * `P` it serves, so a client can start on the fast channel without a gRPC
 * round trip: it opens `P.fast` first and keeps the session only if the
 * report offers the fast path and `P` is the very socket it was given (same
 * device and inode). Otherwise it asks `P` over gRPC, and opens `P.fast`
 * only if that report offers it, naming the exporter uuid the exporter
 * must match. An exporter refuses a header naming another exporter.
 *
 * The `driver` and `resource` headers hold the same fields as the gRPC
 * `request` header, plus the session (the calls connection) they belong to.
 * The answer's `code` is a gRPC status name (`ErrorCode`), so the client
 * raises the same domain error on either path.
 *
 * Calls: one persistent connection per client session (kind `calls`),
 * multiplexing unary and streaming driver calls. Frames both ways:
 *
 * ```text
 * u32 length (of what follows) | u32 call id | u8 type | payload
 * client → exporter
 *   CALL    1  JSON [driver uuid, method, [args...]]      a unary call
 *   STREAM  2  JSON [driver uuid, method, [args...]]      a streaming call
 *   CANCEL  3  (empty)                                    stop a streaming call
 *   CREDIT  4  u32 n                                      n more items may be sent
 *   DONE    5  UTF-8 stream id (call id 0)                the client's data on a resource ended cleanly
 *   ABANDON 6  UTF-8 stream id (call id 0)                the client gave a byte connection up
 * exporter → client
 *   RESULT 16  JSON value                                 ends a unary call
 *   ITEM   17  JSON value                                 one streaming result
 *   END    18  (empty)                                    a streaming call ended
 *   ERROR  19  JSON {"code": "<status name>", "message": "..."}   ends either kind
 * ```
 *
 * Byte streams, uploads and downloads: one connection each. After the
 * answer the connection carries raw bytes both ways; shutting down the write
 * side (half-close) is end of data in that direction, and the connection
 * closes when both directions have ended (for a resource: when the driver
 * method is done with the handle). The kernel's socket buffers are the flow
 * control: a reader that stops reading stops the writer. A driver stream
 * whose chunks are messages (`messageChunks`, e.g. UDP datagrams) is
 * answered with `"messages":true`, and then each chunk travels as a u32
 * length and its bytes, both ways, so it arrives whole.
 *
 * A process that dies closes its sockets, which reads as a clean end of
 * data; two rules keep that from passing for one. The exporter delivers the
 * end of a resource's data to the driver only once DONE for it arrived on
 * the session (the client sends DONE just before half-closing), and fails
 * it on ABANDON. And when a session's calls connection ends, every byte
 * connection of that session is closed and its resources fail, as an
 * HTTP/2 connection loss ends every gRPC stream on it.
 *
 * Values follow the rules of `src/driver/json_value.ts`, as on gRPC. A streaming call may have up to `WINDOW` items unacknowledged;
 * the client returns credit as its consumer takes items, so a slow consumer
 * holds the exporter back instead of a queue growing without bound.
 *
 * This file holds the protocol's numbers; the header and answer are in
 * `opening.ts`, the call frames in `call_frames.ts` (read by
 * `frame_reader.ts`, written by `frame_writer.ts`).
 *
 * @module
 */

/** Label in GetReport's exporter labels that offers the fast channel. */
export const FAST_PATH_LABEL = "jumpstarter.dev/fast-path";
/** Its value: the channel listens on the sibling socket `P.fast`. */
export const FAST_PATH_SIBLING = "sibling";
/** Protocol version in every header. */
export const VERSION = 1;

/** The sibling socket path of an exporter socket path. */
export function siblingPath(socketPath: string): string {
  return `${socketPath}.fast`;
}

/** Call frame types. */
export const CALL = 1;
export const STREAM = 2;
export const CANCEL = 3;
export const CREDIT = 4;
export const DONE = 5;
export const ABANDON = 6;
export const RESULT = 16;
export const ITEM = 17;
export const END = 18;
export const ERROR = 19;

/** Items a streaming call may send before the client returns credit. */
export const WINDOW = 256;
/** Largest header, answer or call frame accepted (the gRPC path's message limit). */
export const MAX_FRAME = 16 * 1024 * 1024;
/** Bytes before a call frame's payload: length, call id, type. */
export const FRAME_HEADER = 9;
