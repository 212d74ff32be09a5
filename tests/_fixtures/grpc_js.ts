/**
 * An independent gRPC stack for API tests: @grpc/grpc-js with
 * @grpc/proto-loader reading proto/ directly, so a call checks the wire
 * format our own generated code might share a mistake with.
 *
 * The two packages are imported by a computed name: their Node typings
 * would otherwise join `deno check`'s one program and change its globals.
 */
import { parse as parseYaml } from "yaml";
import { ROOT } from "./run.ts";

// deno-lint-ignore no-explicit-any
export type GrpcJsClient = any;

/** A grpc-js ClientService client for a client config file (h2c endpoint). */
export async function grpcJsClientService(configPath: string): Promise<{
  client: GrpcJsClient;
  namespace: string;
  call: <T>(method: string, request: Record<string, unknown>) => Promise<T>;
  close(): void;
}> {
  const config = parseYaml(await Deno.readTextFile(configPath)) as {
    endpoint: string;
    token: string;
    metadata: { namespace: string; name: string };
  };
  const [grpc, protoLoader] = await Promise.all(
    ["@grpc/grpc-js", "@grpc/proto-loader"].map((name) => import(name)),
  );
  const definition = protoLoader.loadSync("jumpstarter/client/v1/client.proto", {
    includeDirs: [`${ROOT}/proto`],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  const target = config.endpoint.replace(/^https?:\/\//, "");
  const client = new loaded.jumpstarter.client.v1.ClientService(
    target,
    grpc.credentials.createInsecure(),
  );
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${config.token}`);
  metadata.set("jumpstarter-kind", "Client");
  metadata.set("jumpstarter-namespace", config.metadata.namespace);
  metadata.set("jumpstarter-name", config.metadata.name);
  return {
    client,
    namespace: config.metadata.namespace,
    call: (method, request) =>
      new Promise((resolve, reject) =>
        client[method](
          request,
          metadata,
          (error: Error | null, response: unknown) =>
            error ? reject(error) : resolve(response as never),
        )
      ),
    close: () => client.close(),
  };
}
