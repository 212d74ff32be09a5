/**
 * `network.TftpServer` (upstream `jumpstarter_driver_tftp.driver.Tftp`): a
 * TFTP server on the exporter host serving one directory to devices that
 * boot from the network (U-Boot's `tftpboot`, PXE).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import type { FileRoot } from "./file_root.ts";
import { FileServerDriver, type RunningServer } from "./file_server_driver.ts";
import { TftpServer as TftpProtocolServer } from "./tftp_server.ts";

/**
 * A TFTP server (RFC 1350; options `blksize`, `tsize`, `timeout`,
 * RFC 2347-2349) rooted in one directory.
 *
 * Config: `root` (or upstream's `root_dir`; default `/var/lib/tftpboot`,
 * created if missing), `host` (default `0.0.0.0`), `port` (default 69; 0
 * picks a free one), `writable` (accept TFTP write requests; default false),
 * `maxFileSize` (bytes a `put` or a TFTP write may store; default 4 GiB),
 * `timeout` (seconds before a retransmission; default 1).
 */
export class TftpServer extends FileServerDriver {
  static override client = "jumpstarter_driver_tftp.client.TftpServerClient";

  readonly writable: boolean;
  readonly timeout: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "tftp", { root: "/var/lib/tftpboot", port: 69 });
    const reader = new ConfigReader(config, context.path);
    this.writable = reader.boolean("writable", false);
    this.timeout = reader.number("timeout", 1, 0.01);
  }

  protected serve(root: FileRoot): Promise<RunningServer> {
    return TftpProtocolServer.start(root, {
      host: this.host,
      port: this.configuredPort,
      writable: this.writable,
      maxWriteSize: this.maxFileSize,
      timeout: this.timeout * 1000,
      maxTransfers: 64,
    }, this.log);
  }
}
