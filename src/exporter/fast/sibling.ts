/**
 * The fast channel of a local exporter, on the sibling `P.fast` of its gRPC
 * socket `P`: listening there, and answering with the report and the
 * identity of `P`.
 *
 * @module
 */
import { sessionMotd } from "../../config/exporter_config.ts";
import type { Logger } from "../../log.ts";
import { siblingPath } from "../../transport/fast/protocol.ts";
import type { Exporter } from "../exporter.ts";
import { type FastServer, serveFast } from "./server.ts";

/**
 * Listens on the sibling path, replacing a stale socket left there; a path
 * that is taken, not a socket, or too long for a socket means no fast channel.
 */
export async function listenFast(
  socketPath: string,
  exporter: Exporter,
  labels: Record<string, string>,
  log: Logger,
): Promise<FastServer | undefined> {
  const path = siblingPath(socketPath);
  try {
    const info = await Deno.lstat(path).catch(() => undefined);
    if (info && !info.isSocket) throw new Error("a file that is not a socket is there");
    if (info) await Deno.remove(path);
    const served = await Deno.stat(socketPath);
    return await serveFast(path, exporter, {
      socket: { dev: served.dev, ino: served.ino ?? 0 },
      report: () => ({
        uuid: exporter.uuid,
        labels: { ...exporter.labels(), ...labels },
        reports: exporter.tree.report(),
        motd: sessionMotd(exporter.config),
      }),
    });
  } catch (error) {
    log.debug(`no fast channel at ${path} (${error instanceof Error ? error.message : error})`);
    return undefined;
  }
}
