/**
 * `network.HttpServer` (upstream `jumpstarter_driver_http.driver.HttpServer`):
 * an HTTP server on the exporter host serving one directory (iPXE, U-Boot's
 * `wget`, installers fetching images).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { unary } from "../../src/driver/exports.ts";
import type { FileRoot } from "./file_root.ts";
import { FileServerDriver, type RunningServer } from "./file_server_driver.ts";
import { serveFiles } from "./http_files.ts";

/**
 * A static HTTP server with range requests, rooted in one directory.
 *
 * Config: `root` (or upstream's `root_dir`; default `/var/www`, created if
 * missing), `host` (default `0.0.0.0`), `port` (default 8080; 0 picks a free
 * one), `maxFileSize` (bytes a `put` may store; default 4 GiB).
 */
export class HttpServer extends FileServerDriver {
  static override client = "jumpstarter_driver_http.client.HttpServerClient";

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "http", { root: "/var/www", port: 8080 });
  }

  protected serve(root: FileRoot): Promise<RunningServer> {
    return serveFiles(root, this.host, this.configuredPort, this.log);
  }

  /** The base URL of the served directory (upstream's get_url). */
  @unary({ description: "The base URL of the served directory (upstream's get_url)" })
  get_url(): string {
    return this.address();
  }
}
