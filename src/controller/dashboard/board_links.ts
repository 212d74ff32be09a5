/**
 * The board page's bridge to a leased board: the controller acting as a
 * client of its own router on behalf of the logged-in identity. The
 * connection itself is made by a `BoardOpener` the entry point hands in
 * (built on `src/client`, as any client's), so this room never imports the
 * client or a driver. Links are kept per identity and lease, and closed
 * when the lease ends, when idle, or with the dashboard.
 *
 * @module
 */
import type { Duplex } from "../../driver/stream.ts";

/** One node of the leased board's driver tree, as the opener reports it. */
export interface BoardDriver {
  uuid: string;
  name: string;
  /** The `jumpstarter.dev/client` label (the driver's interface name). */
  client: string;
}

/** A connection to a leased board's exporter through the router. */
export interface BoardConnection {
  drivers: BoardDriver[];
  call(uuid: string, method: string, args: unknown[]): Promise<unknown>;
  openStream(uuid: string, method: string): Promise<Duplex>;
  close(): Promise<void>;
}

/** Who connects: a token the controller issued in-process for the identity (never sent out). */
export interface BoardCaller {
  token: string;
  namespace: string;
  name: string;
}

/** Connects to the exporter of `lease` as `caller`. */
export type BoardOpener = (caller: BoardCaller, lease: string) => Promise<BoardConnection>;

/** The driver of an interface (`PowerClient`, `SerialClient`, `VideoClient`), shallowest first. */
export function driverOf(drivers: BoardDriver[], iface: string): BoardDriver | undefined {
  return drivers.find((d) => d.client.split(".").pop()?.endsWith(iface));
}

const IDLE_CLOSE_MS = 5 * 60_000;

interface Link {
  connection: Promise<BoardConnection>;
  lastUsed: number;
  users: number;
}

/** Open links to leased boards, by `identity key|namespace/lease`. */
export class BoardLinks {
  readonly #links = new Map<string, Link>();
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(readonly opener: BoardOpener) {
    this.#sweeper = setInterval(() => this.#sweep(), 30_000);
  }

  /** Runs `use` on the link of `key`, opening it first if needed. */
  async with<T>(
    key: string,
    open: () => Promise<BoardConnection>,
    use: (c: BoardConnection) => Promise<T>,
  ): Promise<T> {
    let link = this.#links.get(key);
    if (!link) {
      link = { connection: open(), lastUsed: Date.now(), users: 0 };
      this.#links.set(key, link);
      link.connection.catch(() => this.#links.delete(key));
    }
    link.users++;
    link.lastUsed = Date.now();
    try {
      return await use(await link.connection);
    } catch (error) {
      // A broken link (the exporter restarted, the lease ended) is opened afresh next time.
      if (this.#links.get(key) === link && link.users === 1) this.#drop(key);
      throw error;
    } finally {
      link.users--;
      link.lastUsed = Date.now();
    }
  }

  /** Closes the links of a lease (it ended). */
  closeLease(namespace: string, lease: string): void {
    for (const key of [...this.#links.keys()]) {
      if (key.endsWith(`|${namespace}/${lease}`)) this.#drop(key);
    }
  }

  #drop(key: string): void {
    const link = this.#links.get(key);
    this.#links.delete(key);
    link?.connection.then((c) => c.close()).catch(() => {});
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, link] of this.#links) {
      if (link.users === 0 && now - link.lastUsed > IDLE_CLOSE_MS) this.#drop(key);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const all = [...this.#links.values()];
    this.#links.clear();
    await Promise.allSettled(all.map(async (l) => (await l.connection).close()));
  }
}
