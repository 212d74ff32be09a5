/**
 * The independent gRPC stack standing in for upstream's Python `jmp`:
 * @grpc/grpc-js with @grpc/proto-loader reading the protos in proto/, and
 * upstream's direct-mode passphrase check (`x-jumpstarter-passphrase`
 * metadata, UNAUTHENTICATED "invalid or missing passphrase").
 */
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";

// Loaded untyped: their types pull in protobufjs's @types/node, which would
// replace Deno's node types for the whole type-checked program.
const grpcJs: string = "@grpc/grpc-js";
const protoLoaderJs: string = "@grpc/proto-loader";
// deno-lint-ignore no-explicit-any
const grpc: any = await import(grpcJs);
// deno-lint-ignore no-explicit-any
const protoLoader: any = await import(protoLoaderJs);

/** grpc-js status codes used by the tests. */
export const status: { UNAUTHENTICATED: number } = grpc.status;

/** An error from a grpc-js call. */
export interface ServiceError extends Error {
  code: number;
  details: string;
}

/** Channel credentials as upstream's client builds them: TLS trusting `ca` (PEM), or insecure. */
export function upstreamCredentials(ca?: string): unknown {
  return ca === undefined
    ? grpc.credentials.createInsecure()
    : grpc.credentials.createSsl(Buffer.from(ca));
}

const protoRoot = fileURLToPath(new URL("../../proto", import.meta.url));

/** ExporterService's grpc-js constructor, loaded from proto/. */
// deno-lint-ignore no-explicit-any
export function exporterServiceDefinition(): any {
  const definition = protoLoader.loadSync("jumpstarter/v1/jumpstarter.proto", {
    includeDirs: [protoRoot],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).jumpstarter.v1.ExporterService;
}

/** A grpc-js ExporterService client with upstream's per-call passphrase metadata. */
export function upstreamClient(
  address: string,
  credentials: unknown,
  passphrase?: string,
  options: Record<string, string | number> = {},
): {
  call<T>(method: string, request: unknown): Promise<T>;
  close(): void;
} {
  const Service = exporterServiceDefinition();
  const client = new Service(address, credentials, options);
  return {
    call<T>(method: string, request: unknown): Promise<T> {
      const metadata = new grpc.Metadata();
      if (passphrase !== undefined) metadata.set("x-jumpstarter-passphrase", passphrase);
      return new Promise<T>((resolve, reject) => {
        client[method](request, metadata, (error: Error | null, response: T) => {
          if (error) reject(error);
          else resolve(response);
        });
      });
    },
    close: () => client.close(),
  };
}

/** What an upstream exporter in direct mode was asked. */
export interface UpstreamCalls {
  driverCalls: { uuid: string; method: string }[];
  refused: number;
}

/**
 * A direct-mode exporter the upstream way, on grpc-js: one MockPower-like
 * driver under a composite root, every call checked for the passphrase as
 * upstream's PassphraseInterceptor does. Serves h2c on 127.0.0.1.
 */
export async function upstreamDirectExporter(passphrase: string): Promise<{
  address: string;
  calls: UpstreamCalls;
  close(): Promise<void>;
}> {
  const Service = exporterServiceDefinition();
  const calls: UpstreamCalls = { driverCalls: [], refused: 0 };
  const root = "00000000-0000-4000-8000-000000000001";
  const power = "00000000-0000-4000-8000-000000000002";
  const guard = <Req, Res>(
    handler: (request: Req) => Res,
  ) =>
  (
    call: { metadata: { get(key: string): string[] }; request: Req },
    callback: (error: { code: number; details: string } | null, response?: Res) => void,
  ) => {
    const given = call.metadata.get("x-jumpstarter-passphrase")[0];
    if (given !== passphrase) {
      calls.refused++;
      callback({ code: grpc.status.UNAUTHENTICATED, details: "invalid or missing passphrase" });
      return;
    }
    callback(null, handler(call.request));
  };
  const server = new grpc.Server();
  server.addService(Service.service, {
    GetReport: guard(() => ({
      uuid: "upstream-direct",
      labels: { "jumpstarter.dev/name": "upstream-direct" },
      reports: [
        {
          uuid: root,
          labels: { "jumpstarter.dev/client": "jumpstarter.client.base.CompositeClient" },
          methods_description: {},
        },
        {
          uuid: power,
          parent_uuid: root,
          labels: {
            "jumpstarter.dev/client": "jumpstarter_driver_power.client.PowerClient",
            "jumpstarter.dev/name": "power",
          },
          methods_description: {},
        },
      ],
      alternative_endpoints: [],
      motd: "",
    })),
    DriverCall: guard((request: { uuid: string; method: string }) => {
      calls.driverCalls.push({ uuid: request.uuid, method: request.method });
      return { uuid: request.uuid, result: { null_value: "NULL_VALUE" } };
    }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (error: Error | null, bound: number) => error ? reject(error) : resolve(bound),
    )
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
