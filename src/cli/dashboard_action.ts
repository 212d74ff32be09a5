/**
 * What `jumpstarter dashboard` does: asks the controller, with the client's
 * token, for a one-time login code and prints (or opens) the URL that uses
 * it. The token travels only in the request's header.
 *
 * @module
 */
import type { Command } from "commander";
import { FailedPreconditionError, UnavailableError } from "../driver/errors.ts";
import { type ClientConfig, resolveClientConfig } from "../config/client_config.ts";
import { controllerUrl } from "../transport/controller_transport.ts";
import { terminal } from "./run.ts";
import * as http from "node:http";
import * as https from "node:https";

/** POSTs to `url` with node's HTTP (which trusts a self-signed `ca`, as the gRPC transport does). */
function post(
  url: string,
  headers: Record<string, string>,
  ca?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith("https:") ? https.request : http.request)(
      url,
      { method: "POST", headers, ca, timeout: 15_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
          if (body.length > 65_536) res.destroy(new Error("answer too long"));
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error("no answer within 15 s")));
    request.on("error", reject);
    request.end();
  });
}

/** Asks the controller of `config` for a login URL. */
export async function loginUrl(config: ClientConfig): Promise<string> {
  const base = controllerUrl(config.endpoint.split(",")[0].trim());
  let answer;
  try {
    answer = await post(
      `${base}/dashboard/login-code`,
      { authorization: `Bearer ${config.token}` },
      config.tls.ca ? atob(config.tls.ca) : undefined,
    );
  } catch (error) {
    throw new UnavailableError(
      `Cannot reach the controller at ${base}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  let body: { path?: unknown; error?: unknown } = {};
  try {
    body = JSON.parse(answer.body);
  } catch { /* not JSON: reported below */ }
  if (answer.status !== 200 || typeof body.path !== "string") {
    throw new FailedPreconditionError(
      `The controller at ${base} refused a dashboard login: ${
        body.error ?? `HTTP ${answer.status}`
      }`,
    );
  }
  return `${base}${body.path}`;
}

async function openInBrowser(url: string): Promise<void> {
  const opener = Deno.build.os === "darwin" ? "open" : "xdg-open";
  try {
    const child = new Deno.Command(opener, { args: [url], stdout: "null", stderr: "null" })
      .spawn();
    await child.status;
  } catch {
    terminal.err(`Could not run ${opener}; open the URL above by hand`);
  }
}

/** `jumpstarter dashboard [--open] [--print-url]`. */
export async function dashboardLogin(
  program: Command,
  options: { open?: boolean; printUrl?: boolean },
): Promise<void> {
  const explicit = program.opts<{ clientConfig?: string }>().clientConfig;
  const config = await resolveClientConfig(explicit);
  if (!config) {
    throw new FailedPreconditionError(
      "No client config: pass --client-config FILE, set JMP_CLIENT_CONFIG, or import one (jumpstarter config client import FILE)",
    );
  }
  const url = await loginUrl(config);
  terminal.out(url);
  if (!options.printUrl) {
    terminal.err("This URL logs you in once, within one minute; keep it private.");
  }
  if (options.open) await openInBrowser(url);
}
