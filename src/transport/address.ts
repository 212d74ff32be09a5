/**
 * Parses the addresses users give (`JUMPSTARTER_HOST`, `--socket`): a unix
 * socket path (`/run/x.sock`, `unix:///run/x.sock`, `unix:x.sock`) or an
 * h2c/TLS URL (`http://host:port`, `https://host:port`, `host:port`).
 *
 * @module
 */

/** Where to reach a gRPC server. */
export type Address =
  | { kind: "unix"; path: string }
  | { kind: "tcp"; url: string; tls: boolean };

/** Parses an address; a `TypeError` names the bad value and the accepted forms. */
export function parseAddress(text: string): Address {
  const value = text.trim();
  if (value.startsWith("unix://")) {
    return { kind: "unix", path: decodeURIComponent(value.slice(7)) };
  }
  if (value.startsWith("unix:")) return { kind: "unix", path: decodeURIComponent(value.slice(5)) };
  if (value.startsWith("/") || value.startsWith("./") || value.startsWith("../")) {
    return { kind: "unix", path: value };
  }
  if (value.startsWith("http://") || value.startsWith("https://")) {
    return { kind: "tcp", url: value.replace(/\/$/, ""), tls: value.startsWith("https://") };
  }
  if (/^[\w.-]+:\d+$/.test(value) || /^\[[\da-fA-F:]+\]:\d+$/.test(value)) {
    return { kind: "tcp", url: `http://${value}`, tls: false };
  }
  throw new TypeError(
    `Cannot parse address "${text}": use a socket path (/run/x.sock, unix:///run/x.sock) or http://host:port`,
  );
}
