/**
 * The status a distributed exporter reports to its controller
 * (ReportStatus): the current one after registering, and each change, which
 * also sets the state its GetStatus shows. (There is no heartbeat call: the
 * controller takes the PINGs of the link's HTTP/2 session as signs of life.)
 *
 * @module
 */
import type { Client } from "@connectrpc/connect";
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import type { ControllerService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import { fromConnectError } from "../transport/errors.ts";
import type { Exporter } from "./exporter.ts";

/** The controller an exporter reports to. */
export type ControllerClient = Client<typeof ControllerService>;

/** The exporter's reported status. */
export class StatusReport {
  #status: ExporterStatus = ExporterStatus.AVAILABLE;
  #statusMessage = "";

  constructor(readonly exporter: Exporter, readonly log: Logger) {}

  /** The status last set. */
  get current(): ExporterStatus {
    return this.#status;
  }

  /** Reports the current status; with `releaseLease`, gives the lease up. */
  async report(controller: ControllerClient, releaseLease = false): Promise<void> {
    await controller.reportStatus({
      status: this.#status,
      message: this.#statusMessage,
      releaseLease,
    });
  }

  /** Sets and reports a status; a report that fails is logged. */
  async set(
    controller: ControllerClient,
    status: ExporterStatus,
    message = "",
    release = false,
  ): Promise<void> {
    this.#status = status;
    this.#statusMessage = message;
    this.exporter.state = status === ExporterStatus.LEASE_READY ? "lease_ready" : "available";
    await this.report(controller, release).catch((error) => {
      this.log.warning(`cannot report status: ${messageOf(fromConnectError(error))}`);
    });
  }
}
