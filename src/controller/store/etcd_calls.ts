/**
 * Every call to etcd bounded in time, and its failure told apart: a refused
 * request or credentials stay what they are, anything else is an outage
 * reported as StoreUnavailableError naming the members that answer.
 *
 * @module
 */
import { ConflictError, StoreUnavailableError } from "./kv.ts";

/** Bounds the calls of one store on `endpoints`. */
export class BoundedCalls {
  /** Set when the store closes: later calls fail at once. */
  closed = false;

  constructor(readonly endpoints: string[], readonly timeoutMs: number) {}

  /** Runs `op` within `timeoutMs`; etcd failures become StoreUnavailableError. */
  run<T>(action: string, op: () => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(
        new StoreUnavailableError(`Cannot ${action}: the etcd store is closed`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const fail = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const refused = this.#refused(action, error);
        if (refused) reject(refused);
        else void this.#unavailable(action, error).then(reject);
      };
      const timer = setTimeout(fail, this.timeoutMs);
      op().then((value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      }, fail);
    });
  }

  /** Failures that are no outage: conflicts, bad requests, refused credentials. */
  #refused(action: string, error: unknown): Error | undefined {
    if (error instanceof ConflictError || error instanceof TypeError) return error;
    if (error === undefined) return undefined;
    const message = firstLine(error);
    if (/request is too large|too many operations|duplicate key|lease not found/.test(message)) {
      return new Error(`Cannot ${action}: etcd refused the request: ${message}`, { cause: error });
    }
    if (
      /authentication failed|permission denied|invalid auth token|user name (not found|is empty)/
        .test(message)
    ) {
      return new StoreUnavailableError(
        `Cannot ${action}: etcd at ${
          this.endpoints.join(", ")
        } refused the credentials: ${message}`,
        { cause: error },
      );
    }
    return undefined;
  }

  /** An outage: says which endpoints accept connections, so an operator sees lost quorum. */
  async #unavailable(action: string, error: unknown): Promise<StoreUnavailableError> {
    const up = await Promise.all(this.endpoints.map((e) => accepts(e, 300)));
    const live = this.endpoints.filter((_, i) => up[i]);
    const dead = this.endpoints.filter((_, i) => !up[i]);
    const all = this.endpoints.join(", ");
    let why: string;
    if (live.length === 0) {
      why = `etcd cannot be reached: none of its endpoints (${all}) accepts connections`;
    } else if (dead.length > 0 && live.length <= this.endpoints.length / 2) {
      why =
        `etcd lost quorum: only ${live.length} of ${this.endpoints.length} members answer (up: ${
          live.join(", ")
        }; cannot be reached: ${dead.join(", ")})`;
    } else {
      why = `etcd lost quorum or is overloaded: ${
        dead.length ? `${dead.join(", ")} cannot be reached and ` : ""
      }${live.join(", ")} did not complete the call`;
    }
    const detail = error === undefined
      ? `no answer within ${this.timeoutMs / 1000} s`
      : firstLine(error);
    return new StoreUnavailableError(`Cannot ${action}: ${why} (${detail})`, { cause: error });
  }
}

function firstLine(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  return message.split("\n")[0].replace(/ Resolution note:.*$/, "").trim();
}

/** True when `host:port` accepts a TCP connection within `ms`. */
async function accepts(endpoint: string, ms: number): Promise<boolean> {
  const at = endpoint.lastIndexOf(":");
  const hostname = endpoint.slice(0, at).replace(/^\[|\]$/g, "");
  const port = Number(endpoint.slice(at + 1));
  const connecting = Deno.connect({ hostname, port }).then((conn) => {
    conn.close();
    return true;
  }, () => false);
  return await withTimeout(connecting, ms) ?? false;
}

/** `promise`, or undefined once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
  ]).finally(() => clearTimeout(timer));
}
