/**
 * gRPC clients handed out before the gRPC stack loads: each method loads
 * the link on its first call, then forwards to the real client.
 *
 * @module
 */
import type { Client } from "@connectrpc/connect";
import type { ExporterService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import type { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import type { GrpcLink } from "./grpc_link.ts";

/** Method kinds of the two gRPC services, for the clients handed out before the stack loads. */
const exporterMethods = {
  getReport: "unary",
  driverCall: "unary",
  streamingDriverCall: "stream",
  logStream: "stream",
  reset: "unary",
  getStatus: "unary",
  endSession: "unary",
} as const;
const routerMethods = { stream: "stream" } as const;

/** ExporterService whose methods load the link (`load`) on their first call. */
export function lazyExporterClient(load: () => Promise<GrpcLink>): Client<typeof ExporterService> {
  return lazyClient(exporterMethods, load, (link) => link.exporter);
}

/** RouterService whose methods load the link (`load`) on their first call. */
export function lazyRouterClient(load: () => Promise<GrpcLink>): Client<typeof RouterService> {
  return lazyClient(routerMethods, load, (link) => link.router);
}

/** A client whose methods load the gRPC half on their first call. */
function lazyClient<C>(
  methods: Record<string, "unary" | "stream">,
  load: () => Promise<GrpcLink>,
  // deno-lint-ignore no-explicit-any
  pick: (link: GrpcLink) => any,
): C {
  const client: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(methods)) {
    client[name] = kind === "unary"
      ? async (...args: unknown[]) => pick(await load())[name](...args)
      : async function* (...args: unknown[]) {
        yield* pick(await load())[name](...args);
      };
  }
  return client as C;
}
