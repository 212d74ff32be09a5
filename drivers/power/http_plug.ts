/**
 * The HTTP side of a power plug: one request at a time per operation, with a
 * time limit and basic auth, failing in one line that says why (the plug's
 * status, a timeout, no answer), and every request in flight aborted when
 * the driver closes.
 *
 * @module
 */
import { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError, UnavailableError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { redactSecrets } from "../../src/driver/redact.ts";
import { type HttpRequestSpec, shownRequest } from "./http_request.ts";

/** Sends the requests of one plug and tracks those in flight. */
export class HttpPlug {
  readonly #inflight = new Set<AbortController>();

  /**
   * `timeout` is in seconds per request; `auth` goes in a basic
   * `authorization` header unless a request sets one.
   */
  constructor(
    readonly timeout: number,
    readonly auth?: { username: string; password: string },
  ) {}

  /** Sends one request; resolves to the answer's body, or fails with one line saying why. */
  async request(action: string, spec: HttpRequestSpec): Promise<string> {
    const controller = new AbortController();
    this.#inflight.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeout * 1000);
    const headers = new Headers(spec.headers);
    // fetch refuses a URL with user:password@: it becomes basic auth instead.
    const url = new URL(spec.url);
    const auth = url.username || url.password
      ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : this.auth;
    url.username = url.password = "";
    if (auth && !headers.has("authorization")) {
      headers.set("authorization", `Basic ${btoa(`${auth.username}:${auth.password}`)}`);
    }
    const secrets = [spec.url, auth?.password];
    try {
      const response = await fetch(url, {
        method: spec.method,
        headers,
        body: spec.body,
        signal: controller.signal,
      });
      const body = await response.text();
      if (!response.ok) {
        const hint = response.status === 401 || response.status === 403
          ? ": check username and password"
          : "";
        throw new DriverError(
          response.status === 401 || response.status === 403 ? "permission_denied" : "unavailable",
          `Power plug answered ${response.status} ${response.statusText} to ${action} (${
            shownRequest(spec)
          })${hint}`,
        );
      }
      return body;
    } catch (error) {
      if (error instanceof DriverError) throw error;
      if (timedOut) {
        throw new DriverTimeoutError(
          `Power plug did not answer ${action} (${shownRequest(spec)}) within ${this.timeout} s`,
        );
      }
      if (controller.signal.aborted) {
        throw new UnavailableError(`Power ${action} was cancelled: the driver is closing`);
      }
      throw new UnavailableError(
        `Cannot reach the power plug for ${action} (${shownRequest(spec)}): ${
          redactSecrets(messageOf(error), secrets)
        }`,
      );
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(controller);
    }
  }

  /** Aborts every request in flight: they fail as cancelled. */
  abortAll(): void {
    for (const controller of this.#inflight) controller.abort();
  }
}
