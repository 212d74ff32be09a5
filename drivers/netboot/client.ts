/**
 * The client of the exporter's file servers (`network.TftpServer`,
 * `network.HttpServer`; upstream labels
 * `jumpstarter_driver_tftp.client.TftpServerClient` and
 * `jumpstarter_driver_http.client.HttpServerClient`): put local files in the
 * served directory over the byte-stream upload path, list and remove them.
 *
 * @module
 */
import { basename } from "node:path";
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import type { ProgressCallback } from "../../src/client/resource_transfer.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { BadNameError, nameSegments, type PutResult, type RootEntry } from "./file_root.ts";
import { fileServerCommands } from "./commands.ts";

/**
 * Fills the directory a TFTP or HTTP server on the exporter serves.
 *
 * @example
 * ```ts
 * import { connect, FileServerClient, parseExporterConfig, serveLocal } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * const config = parseExporterConfig(
 *   `export: { http: { type: network.HttpServer, config: { root: ${root}, host: 127.0.0.1, port: 0 } } }`,
 *   Deno.cwd(),
 * );
 * await using exporter = await serveLocal(config);
 * await using dut = await connect(exporter.socketPath);
 * const http = dut.child("http", FileServerClient);
 * const local = await Deno.makeTempFile();
 * await Deno.writeTextFile(local, "hello");
 * await http.put(local, "boot/hello.txt");
 * const response = await fetch(`${await http.address()}/boot/hello.txt`.replace("0.0.0.0", "127.0.0.1"));
 * assert.equal(await response.text(), "hello");
 * await Deno.remove(local);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export class FileServerClient extends DriverClient {
  /**
   * Uploads the local file `path` as `name` (default: its base name) into
   * the served directory; the server serves it once every byte arrived.
   */
  async put(
    path: string,
    name: string = basename(path),
    options: { onProgress?: ProgressCallback } = {},
  ): Promise<PutResult> {
    try {
      nameSegments(name); // the exporter checks it too; failing here sends nothing
    } catch (error) {
      if (error instanceof BadNameError) throw new TypeError(error.message);
      throw error;
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      throw new Error(`Cannot read "${path}": ${messageOf(error)}`, { cause: error });
    }
    const { size } = await file.stat();
    const upload = await this.upload(file.readable, { size, onProgress: options.onProgress });
    const [result] = await Promise.all([
      this.call<PutResult>("put", upload.handle, name),
      upload.done,
    ]);
    return result;
  }

  /** The files in the served directory. */
  list(): Promise<RootEntry[]> {
    return this.call<RootEntry[]>("list");
  }

  /** Removes the file `name` from the served directory. */
  async remove(name: string): Promise<void> {
    await this.call("remove", name);
  }

  /** The URL the server listens on (`tftp://192.168.77.1:69`, `http://0.0.0.0:8080`). */
  address(): Promise<string> {
    return this.call<string>("address");
  }

  /** `put`, `list`, `remove` and `address`. */
  override commands(): DriverCommand[] {
    return fileServerCommands(this);
  }
}
