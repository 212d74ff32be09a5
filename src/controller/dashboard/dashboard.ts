/**
 * The dashboard on the controller's own port: login with a one-time code,
 * the pages and their files from memory, the state as JSON, one push stream
 * of changes (server-sent events), lease extend and release, and the board
 * page's requests. Nothing but the login code exchange answers without a
 * session cookie; state changes need the session's CSRF token.
 *
 * @module
 */
import type { Controller } from "../controller.ts";
import type { Logger } from "../../log.ts";
import { parseSelector } from "../selector.ts";
import type { KvStore } from "../store/kv.ts";
import { type Asset, loadAssets } from "./assets.ts";
import { BoardLinks, type BoardOpener } from "./board_links.ts";
import { BoardRoutes } from "./board_routes.ts";
import {
  cookie,
  type Req,
  type Res,
  sameOrigin,
  SECURITY_HEADERS,
  send,
  sendError,
  sendJson,
} from "./http_io.ts";
import { LiveFeed } from "./live_feed.ts";
import { LoginSessions, SESSION_TTL_MS } from "./login_sessions.ts";
import { sessionCookie } from "./http_io.ts";
import { leaseActions } from "./lease_actions.ts";
import { snapshot } from "./state_view.ts";
import { streamEvents } from "./event_stream.ts";
import { LOGIN_REQUIRED_HTML } from "./login_page.ts";

const COOKIE = "jmp_dashboard";
const MAX_URL = 2048;

/** What the dashboard needs besides the controller. */
export interface DashboardOptions {
  store: KvStore;
  /** Served with TLS: the cookie is marked Secure. */
  secure: boolean;
  /** Connects to leased boards for the board page; without it the board page has no console. */
  boards?: BoardOpener;
  /** Logins are logged (who, never a code or token). */
  log?: Logger;
}

/** Answers a request if it is the dashboard's; false leaves it to the status pages. */
export type DashboardHandler = ((req: Req, res: Res) => boolean) & { close(): Promise<void> };

/** The dashboard of a running controller. */
export async function dashboard(
  controller: Controller,
  options: DashboardOptions,
): Promise<DashboardHandler> {
  const assets = await loadAssets();
  const sessions = new LoginSessions();
  const feed = new LiveFeed(options.store);
  const links = options.boards ? new BoardLinks(options.boards) : undefined;
  const boards = links ? new BoardRoutes(controller, links) : undefined;
  const stopLeaseEnd = controller.onLeaseEnd((lease) =>
    links?.closeLease(lease.namespace, lease.name)
  );
  const who = (req: Req) => sessions.check(cookie(req, COOKIE), controller.identities);

  const route = async (req: Req, res: Res, url: URL): Promise<void> => {
    const path = url.pathname;
    if (path === "/dashboard/login-code" && req.method === "POST") {
      const token = req.headers.authorization?.replace(/^Bearer\s+/i, "");
      const identity = await controller.authenticate(token, {}).catch(() => undefined);
      if (!identity || identity.kind !== "Client") {
        return sendError(res, 401, "A client token is needed for a dashboard login");
      }
      return sendJson(res, 200, { path: `/login?code=${sessions.issueCode(identity)}` });
    }
    if (path === "/login" && req.method === "GET") {
      const session = sessions.redeem(url.searchParams.get("code") ?? "");
      if (!session) {
        options.log?.info("dashboard login refused: an unknown, used or expired code");
        return send(res, 401, LOGIN_REQUIRED_HTML, { "content-type": "text/html; charset=utf-8" });
      }
      options.log?.info(`dashboard login: ${session.key}`);
      return send(res, 303, "", {
        location: "/",
        "set-cookie": sessionCookie(COOKIE, session.id, options.secure, SESSION_TTL_MS / 1000),
      });
    }
    const current = who(req);
    if (!current) {
      if (path.startsWith("/api/") || req.method !== "GET") {
        return sendError(res, 401, "Not logged in");
      }
      // A page, not an error: the way to log in (and nothing else) is shown.
      return send(res, 200, LOGIN_REQUIRED_HTML, { "content-type": "text/html; charset=utf-8" });
    }
    if (req.method === "POST" && !sameOrigin(req, current.session.csrf)) {
      return sendError(res, 403, "Missing or wrong CSRF token");
    }
    if (req.method === "GET" && path === "/") {
      return sendAsset(req, res, assets.get("index.html")!);
    }
    if (req.method === "GET" && path.startsWith("/board/")) {
      // xterm.js styles its DOM renderer with <style> elements it makes: inline styles
      // (never scripts) are allowed on this page.
      return sendAsset(req, res, assets.get("board.html")!, {
        "content-security-policy": SECURITY_HEADERS["content-security-policy"].replace(
          "style-src 'self'",
          "style-src 'self' 'unsafe-inline'",
        ),
      });
    }
    if (req.method === "GET" && path.startsWith("/assets/")) {
      const asset = assets.get(path.slice("/assets/".length));
      return asset ? sendAsset(req, res, asset) : sendError(res, 404, "No such file");
    }
    if (path === "/api/state" && req.method === "GET") {
      return sendJson(res, 200, {
        ...snapshot(controller, current.identity),
        csrf: current.session.csrf,
      });
    }
    if (path === "/api/me" && req.method === "GET") {
      const { name, namespace } = current.identity;
      return sendJson(res, 200, { me: { name, namespace }, csrf: current.session.csrf });
    }
    if (path === "/api/selector" && req.method === "GET") {
      try {
        return sendJson(res, 200, { selector: parseSelector(url.searchParams.get("q") ?? "") });
      } catch (error) {
        // A parse answer, not a failed request: the page shows the line under the input.
        return sendJson(res, 200, { error: (error as Error).message });
      }
    }
    if (path === "/api/events" && req.method === "GET") {
      return streamEvents(req, res, controller, feed, () => who(req)?.identity);
    }
    if (path === "/api/logout" && req.method === "POST") {
      sessions.end(current.session.id);
      return send(res, 204, "", { "set-cookie": sessionCookie(COOKIE, "", options.secure, 0) });
    }
    const parts = path.split("/").slice(1).map(decodeURIComponent);
    if (parts[0] === "api" && parts[1] === "leases" && req.method === "POST") {
      const key = `${parts[2]}/${parts[3]}`;
      return await leaseActions(req, res, controller, current.identity, key, parts[4]);
    }
    if (parts[0] === "api" && parts[1] === "boards" && boards) {
      return await boards.handle(req, res, parts.slice(2), current);
    }
    sendError(res, 404, "Not found");
  };

  const handler = ((req: Req, res: Res) => {
    const raw = req.url ?? "/";
    if (raw === "/healthz" || raw === "/metrics") return false;
    if (raw.length > MAX_URL) {
      sendError(res, 414, "URL too long");
      return true;
    }
    const url = new URL(raw, "http://dashboard.invalid");
    route(req, res, url).catch((error) => {
      if (res.headersSent) return res.end();
      sendError(res, error instanceof RangeError ? 413 : 500, errorLine(error));
    });
    return true;
  }) as DashboardHandler;
  handler.close = async () => {
    stopLeaseEnd();
    feed.close();
    boards?.close();
    await links?.close();
  };
  return handler;
}

function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 300);
}

function sendAsset(req: Req, res: Res, asset: Asset, more: Record<string, string> = {}): void {
  // Pages are checked with the server every time (the session may have ended); their
  // scripts and styles, which hold no lab data, may be reused for five minutes.
  const cache = asset.type.startsWith("text/html") ? "private, no-cache" : "private, max-age=300";
  const headers = { ...more, "content-type": asset.type, etag: asset.etag, "cache-control": cache };
  if (req.headers["if-none-match"] === asset.etag) return send(res, 304, "", headers);
  send(res, 200, asset.body, headers);
}
