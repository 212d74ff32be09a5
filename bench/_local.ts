/**
 * The local exporter the stream and call benchmarks measure: the test echo
 * driver served by a child process (as users run an exporter, so client
 * and exporter do not share a core), the raw unix-socket baselines served
 * by that same process, and two clients: `root` on the fast local channel
 * (what `connect()` negotiates with our exporter) and `grpcRoot` on the
 * wire-compatible gRPC path.
 */
import { connect } from "../mod.ts";
import { startExporterProcess } from "./_exporter.ts";

/** The exporter process under test. */
export const local = await startExporterProcess(
  "apiVersion: jumpstarter.dev/v1alpha1\nkind: ExporterConfig\nmetadata: {namespace: bench, name: bench}\nexport:\n  echo: {type: test.Echo}\n",
);
export const rawEchoPath = local.rawEchoPath;
export const rawSinkPath = local.rawSinkPath;
/** A client on the fast local channel. */
export const root = await connect(local.host);
/** A client on the wire-compatible gRPC path. */
export const grpcRoot = await connect(local.host, { fastPath: false });

globalThis.addEventListener("unload", () => {
  void root.close();
  void grpcRoot.close();
  local.kill();
});
