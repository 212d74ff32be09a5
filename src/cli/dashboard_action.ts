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

/** Asks the controller of `config` for a login URL. */
export async function loginUrl(config: ClientConfig): Promise<string> {
  const base = controllerUrl(config.endpoint.split(",")[0].trim());
  const client = config.tls.ca
    ? Deno.createHttpClient({ caCerts: [atob(config.tls.ca)] })
    : undefined;
  try {
    let res: Response;
    try {
      res = await fetch(`${base}/dashboard/login-code`, {
        method: "POST",
        headers: { authorization: `Bearer ${config.token}` },
        client,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new UnavailableError(
        `Cannot reach the controller at ${base}: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok || typeof body.path !== "string") {
      throw new FailedPreconditionError(
        `The controller at ${base} refused a dashboard login: ${body.error ?? res.statusText}`,
      );
    }
    return `${base}${body.path}`;
  } finally {
    client?.close();
  }
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
