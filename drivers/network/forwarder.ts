/**
 * What port forwarding on the client host deals in: the opener of a byte
 * stream to a network driver, the options every forwarder takes, and a
 * running `Forwarder`.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";

/** Opens one byte stream to the target (a network driver's `connect`). */
export type StreamOpener = () => Promise<Duplex>;

/** Options shared by the forwarders. */
export interface ForwardOptions {
  /** Called when one forwarded connection fails (the target refused, a reset...). */
  onError?: (error: unknown) => void;
}

/** A running forwarder; `await using` (or `close()`) stops it and its connections. */
export interface Forwarder extends AsyncDisposable {
  /** Where it listens: `127.0.0.1:2222`, `[::1]:2222` or a socket path. */
  readonly address: string;
  /** The local TCP/UDP port (0 for a unix socket). */
  readonly port: number;
  /** Connections (UDP: peers) being forwarded now. */
  readonly active: number;
  close(): Promise<void>;
}

/** Where a forwarder listens. */
export interface ListenOptions extends ForwardOptions {
  /** Local address to bind (default 127.0.0.1). */
  host?: string;
}
