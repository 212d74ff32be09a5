/**
 * The request line of a raw splice connection (`JMPSPLICE1 <stream
 * token>`), the router's answer to it, and reading that line off a node
 * socket without taking a byte more.
 *
 * @module
 */
import type { Socket } from "node:net";

/** First line of a raw splice connection: `JMPSPLICE1 <stream token>\n`. */
export const RAW_SPLICE_HELLO = "JMPSPLICE1 ";
/** The router's answer once the token is accepted. */
export const RAW_SPLICE_OK = "JMPSPLICE1 OK\n";

/** Reads one `\n`-terminated line from a socket, leaving the rest unread. */
export function readLine(socket: Socket, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = new Uint8Array(0);
    const timer = setTimeout(() => finish(new Error("no splice request within 10 s")), 10_000);
    const finish = (error?: Error, line?: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve(line!);
    };
    const onClose = () => finish(new Error("closed before the splice request"));
    const onData = (chunk: Uint8Array) => {
      const joined = new Uint8Array(buffered.byteLength + chunk.byteLength);
      joined.set(buffered);
      joined.set(chunk, buffered.byteLength);
      buffered = joined;
      const newline = buffered.indexOf(10);
      if (newline === -1) {
        if (buffered.byteLength > max) finish(new Error("splice request too long"));
        return;
      }
      socket.pause();
      const rest = buffered.subarray(newline + 1);
      if (rest.byteLength > 0) socket.unshift(rest);
      finish(undefined, new TextDecoder().decode(buffered.subarray(0, newline)));
    };
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}
