/**
 * How the etcd store reaches its cluster: the options, the TLS files, and
 * the `npm:etcd3` client tuned to notice dead members and recover quickly.
 *
 * @module
 */
import { Buffer } from "node:buffer";
// @ts-types="./_etcd3.d.ts"
import { Etcd3, type IBackoff, type IOptions, type IPolicy, isRecoverableError } from "etcd3";

/** How to reach an etcd cluster. */
export interface EtcdOptions {
  /** Client endpoints: `host:port`, `http://host:port` or `https://host:port`. */
  endpoints: string[];
  /** Prefix of every data key; a trailing `/` is added when missing. Default `/jumpstarter/`. */
  prefix?: string;
  /**
   * TLS files (PEM); with `ca` set, bare endpoints use https. `serverName` is
   * the name to check the server certificate against, needed when endpoints
   * are IP addresses (Deno's TLS client sends no IP as server name); with
   * `auth` as well, endpoints must be host names.
   */
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string };
  /** etcd user authentication. */
  auth?: { username: string; password: string };
  /** Upper bound of every call in ms; default 4,000. */
  timeoutMs?: number;
  /** Deadline of one attempt on one member before trying another; default 1,000 ms. */
  attemptTimeoutMs?: number;
  /** etcd's `--max-txn-ops` (default 128): larger unguarded commits are split. */
  maxTxnOps?: number;
}

/** A client on the cluster, and the settled options the store works with. */
export interface EtcdConnection {
  client: Etcd3;
  /** `host:port` of every member (no scheme). */
  endpoints: string[];
  /** Prefix of every data key, ending in `/`. */
  prefix: string;
  timeoutMs: number;
  maxTxnOps: number;
}

/** Creates the client without contacting etcd; TypeError for options that cannot work. */
export function connectEtcd(
  options: EtcdOptions,
  credentials?: IOptions["credentials"],
): EtcdConnection {
  if (options.endpoints.length === 0) throw new TypeError("No etcd endpoints given");
  const secure = credentials !== undefined;
  const endpoints = options.endpoints.map((e) => e.replace(/^https?:\/\//, ""));
  const hosts = options.endpoints.map((e) =>
    /^https?:\/\//.test(e) ? e : `${secure ? "https" : "http"}://${e}`
  );
  const serverName = options.tls?.serverName;
  const ipHost = hosts.find((h) => /^https:\/\/(\[[0-9a-f:.]+\]|[0-9.]+):/i.test(h));
  if (ipHost && !serverName) {
    throw new TypeError(
      `etcd TLS endpoint "${ipHost}" is an IP address: use host names, or set the TLS server name (a name in etcd's certificate)`,
    );
  }
  if (ipHost && options.auth) {
    // etcd3 fetches the auth token on a channel of its own, without the server name override.
    throw new TypeError(
      `etcd TLS endpoint "${ipHost}" is an IP address: with user authentication, use host names`,
    );
  }
  const prefix = options.prefix ?? "/jumpstarter/";
  const timeoutMs = options.timeoutMs ?? 4000;
  // A call on a connection to a member that just died can wait for its whole deadline, so
  // each attempt gets a short one and etcd3 retries on another member.
  const attemptMs = options.attemptTimeoutMs ?? Math.min(1000, timeoutMs);
  const client = new Etcd3({
    hosts,
    credentials,
    auth: options.auth,
    dialTimeout: timeoutMs,
    defaultCallOptions: (context) => context.isStream ? {} : { deadline: Date.now() + attemptMs },
    grpcOptions: {
      // Notice a silently dead member on long-lived watch and keep-alive streams.
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      ...serverName ? { "grpc.ssl_target_name_override": serverName } : {},
    },
    faultHandling: {
      host: () => hostBreaker(3, 1000),
      watchBackoff: cappedBackoff(100, 1000),
    },
  });
  return {
    client,
    endpoints,
    prefix: prefix.endsWith("/") ? prefix : `${prefix}/`,
    timeoutMs,
    maxTxnOps: options.maxTxnOps ?? 128,
  };
}

/** Reads the TLS files of the options, if any; TypeError naming a file that cannot be read. */
export async function readTlsCredentials(
  tls: EtcdOptions["tls"],
): Promise<IOptions["credentials"]> {
  if (!tls || !(tls.ca || tls.cert || tls.key)) return undefined;
  if (!tls.ca) throw new TypeError("etcd TLS needs a CA file (tls.ca)");
  if (!!tls.cert !== !!tls.key) {
    throw new TypeError("etcd TLS client authentication needs both a cert and a key file");
  }
  const read = async (path: string, what: string) => {
    try {
      return Buffer.from(await Deno.readFile(path));
    } catch (error) {
      throw new TypeError(
        `Cannot read etcd TLS ${what} "${path}": ${(error as Error).message}`,
      );
    }
  };
  return {
    rootCertificate: await read(tls.ca, "CA file"),
    privateKey: tls.key ? await read(tls.key, "key file") : undefined,
    certChain: tls.cert ? await read(tls.cert, "certificate file") : undefined,
  };
}

/**
 * Skips a member for `openMs` after `failures` failed calls in a row (etcd3's
 * default waits 5 s, which delays recovery after members return).
 */
function hostBreaker(failures: number, openMs: number): IPolicy {
  let failed = 0;
  let openUntil = 0;
  let last: unknown;
  return {
    async execute<T>(fn: (context: { signal: AbortSignal }) => Promise<T>): Promise<T> {
      // While open, fail at once with the member's last error (the one worth reporting).
      if (Date.now() < openUntil) throw last;
      try {
        const result = await fn({ signal: new AbortController().signal });
        failed = 0;
        return result;
      } catch (error) {
        if (isRecoverableError(error as Error) && ++failed >= failures) {
          openUntil = Date.now() + openMs;
          last = error;
        }
        throw error;
      }
    },
  };
}

/** Watch reconnects: doubling from `firstMs` up to `maxMs` (etcd3's default waits up to 30 s). */
function cappedBackoff(firstMs: number, maxMs: number): IBackoff {
  const at = (ms: number): IBackoff => ({
    duration: ms,
    next: () => at(Math.min(ms * 2, maxMs)),
  });
  return { duration: 0, next: () => at(firstMs) };
}
