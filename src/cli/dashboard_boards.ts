/**
 * The dashboard's board bridge: the controller process connects to a
 * leased board as the logged-in client, through its own router, exactly as
 * `jumpstarter shell --lease` does (a lease tunnel, then a session to the
 * exporter). Wired here, in the CLI layer, because the controller's room may
 * not import the client's.
 *
 * @module
 */
import type { BoardConnection, BoardOpener } from "../controller/dashboard/board_links.ts";
import { ControllerClient } from "../client/controller_client.ts";
import { openTunnel } from "../client/lease_tunnel.ts";
import { GrpcSession } from "../client/session.ts";
import { CLIENT_LABEL, NAME_LABEL } from "../driver/driver_report.ts";
import { leaseTimeoutsFrom, shellSettingsFrom } from "../config/client_config_fields.ts";

/** A `BoardOpener` for a controller at `url` (trusting `caPem` on TLS). */
export function boardOpener(url: string, caPem?: string): BoardOpener {
  return async (caller, lease): Promise<BoardConnection> => {
    const controller = new ControllerClient({
      metadata: { namespace: caller.namespace, name: caller.name },
      endpoint: url,
      tls: { ca: caPem ? btoa(caPem) : undefined, insecure: false },
      token: caller.token,
      drivers: { allow: [], unsafe: false },
      leases: leaseTimeoutsFrom({}, "", () => undefined),
      shell: shellSettingsFrom({}, ""),
    });
    let tunnel;
    try {
      tunnel = await openTunnel(controller, lease);
      const { session, report } = await GrpcSession.open(tunnel.host, {
        fastTarget: tunnel.fastTarget,
      });
      const opened = tunnel;
      return {
        drivers: report.reports.map((r) => ({
          uuid: r.uuid,
          name: r.labels[NAME_LABEL] ?? "",
          client: r.labels[CLIENT_LABEL] ?? "",
        })),
        call: (uuid, method, args) => session.call(uuid, method, args),
        openStream: (uuid, method) => session.openStream(uuid, method),
        async close() {
          await session.close();
          await opened.close();
          await controller.close();
        },
      };
    } catch (error) {
      await tunnel?.close();
      await controller.close();
      throw error;
    }
  };
}
