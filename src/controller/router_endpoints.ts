/**
 * The router addresses a controller hands out in Dial and Listen answers, in
 * the form upstream's client and exporter dial: a bare `host:port` when the
 * router speaks TLS (grpcio cannot resolve `https://host:port`), and
 * `http://host:port` when it speaks h2c (our own clients, loopback
 * development). Several addresses (`--router-endpoint`, repeatable: a lab
 * behind NAT or a load balancer) are handed out in turn, one per stream,
 * the same one to both of its sides.
 *
 * @module
 */

const HOST_PORT = /^(\[[\da-fA-F:.]+\]|[\w.-]+):(\d{1,5})$/;

/**
 * One router address in the form handed out: `host:port` for TLS,
 * `http://host:port` for h2c. Accepts `host:port`, `http://host:port` and
 * `https://host:port`; anything else is a `TypeError` naming the value.
 */
export function routerEndpointForm(text: string, tls: boolean): string {
  const value = text.trim().replace(/\/$/, "");
  const bare = value.replace(/^https?:\/\//, "");
  const m = bare.match(HOST_PORT);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new TypeError(
      `Invalid router endpoint "${text}": use HOST:PORT as clients and exporters reach it, e.g. router.lab.example:8082`,
    );
  }
  if (tls && value.startsWith("http://")) {
    throw new TypeError(
      `Invalid router endpoint "${text}": this controller serves TLS, so give HOST:PORT (or https://HOST:PORT), not http://`,
    );
  }
  return tls ? bare : `http://${bare}`;
}

/** The router addresses to hand out, one per stream in turn. */
export class RouterEndpoints {
  #next = 0;
  readonly list: readonly string[];

  constructor(endpoints: string[], tls: boolean) {
    if (endpoints.length === 0) throw new TypeError("At least one router endpoint is needed");
    this.list = endpoints.map((e) => routerEndpointForm(e, tls));
  }

  /** The address for a new stream. */
  next(): string {
    const endpoint = this.list[this.#next % this.list.length];
    this.#next = (this.#next + 1) % this.list.length;
    return endpoint;
  }
}
