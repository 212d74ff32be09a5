/**
 * A stand-in for upstream's exporter (`jmp run`, exporter/exporter.py) on the
 * independent gRPC stack of `upstream_stack.ts`: it registers its labels and
 * driver reports, reports AVAILABLE, keeps the Status stream open, and on a
 * lease reports BEFORE_LEASE_HOOK then LEASE_READY and opens Listen; each
 * Listen answer is a router stream forwarded to its session socket
 * (`forward_stream`), where a grpc-js ExporterService serves a power driver
 * (`jumpstarter_driver_power.client.PowerClient`) and a serial driver whose
 * byte stream echoes (a loopback console).
 */
import {
  controllerClient,
  forwardStream,
  FRAME,
  grpc,
  protos,
  unary,
  type UpstreamConfig,
  UpstreamRouterStream,
} from "./upstream_stack.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** ExporterStatus values (upstream's enum). */
export const STATUS = {
  OFFLINE: 1,
  AVAILABLE: 2,
  BEFORE_LEASE_HOOK: 3,
  LEASE_READY: 4,
  AFTER_LEASE_HOOK: 5,
} as const;

const ROOT = "7c8e0a4e-0000-4000-8000-000000000001";
const POWER = "7c8e0a4e-0000-4000-8000-000000000002";
const SERIAL = "7c8e0a4e-0000-4000-8000-000000000003";

/** The driver tree as upstream reports it (class paths in jumpstarter.dev/client). */
export const REPORTS = [
  {
    uuid: ROOT,
    labels: { "jumpstarter.dev/client": "jumpstarter_driver_composite.client.CompositeClient" },
  },
  {
    uuid: POWER,
    parentUuid: ROOT,
    labels: {
      "jumpstarter.dev/client": "jumpstarter_driver_power.client.PowerClient",
      "jumpstarter.dev/name": "power",
    },
  },
  {
    uuid: SERIAL,
    parentUuid: ROOT,
    labels: {
      "jumpstarter.dev/client": "jumpstarter_driver_pyserial.client.PySerialClient",
      "jumpstarter.dev/name": "serial",
    },
  },
];

/** The stand-in exporter. */
export class UpstreamExporter implements AsyncDisposable {
  readonly calls: string[] = [];
  readonly controller: Any;
  readonly #session = new grpc.Server();
  readonly #streams = new Set<Promise<void>>();
  #status?: Any;
  #listen?: Any;
  #stop?: AbortController;
  #socketPath = "";

  /**
   * `forward`: what serves a Listen answer (endpoint, token, lease end);
   * default: a router stream forwarded to the session socket, as upstream does.
   */
  constructor(
    readonly config: UpstreamConfig,
    readonly labels: Record<string, string>,
    readonly forward?: (endpoint: string, token: string, stop: AbortSignal) => Promise<void>,
  ) {
    this.controller = controllerClient(config);
  }

  /** Serves the session socket, registers, reports AVAILABLE and follows the Status stream. */
  async start(dir: string): Promise<void> {
    this.#socketPath = `${dir}/upstream-session.sock`;
    this.#serveSession();
    await new Promise<void>((resolve, reject) =>
      this.#session.bindAsync(
        `unix://${this.#socketPath}`,
        grpc.ServerCredentials.createInsecure(),
        (error: Error | null) => error ? reject(error) : resolve(),
      )
    );
    await unary(this.controller, "Register", { labels: this.labels, reports: REPORTS });
    await this.reportStatus(STATUS.AVAILABLE, "Exporter registered and available");
    this.#status = this.controller.Status({});
    this.#status.on("error", () => {});
    this.#status.on("data", (update: Any) => void this.#onStatus(update));
  }

  reportStatus(status: number, message: string): Promise<unknown> {
    return unary(this.controller, "ReportStatus", { status, message });
  }

  async #onStatus(update: Any): Promise<void> {
    if (update.leased && update.leaseName && !this.#listen) {
      await this.reportStatus(STATUS.BEFORE_LEASE_HOOK, "Running beforeLease hook");
      await this.reportStatus(STATUS.LEASE_READY, "Ready for commands");
      const stop = new AbortController();
      this.#stop = stop;
      this.#listen = this.controller.Listen({ leaseName: update.leaseName });
      this.#listen.on("error", () => {});
      this.#listen.on("data", (dial: Any) => {
        const task = this.forward
          ? this.forward(dial.routerEndpoint, dial.routerToken, stop.signal).catch(() => {})
          : this.#forward(dial.routerEndpoint, dial.routerToken);
        this.#streams.add(task);
        task.finally(() => this.#streams.delete(task));
      });
    } else if (!update.leased && this.#listen) {
      this.#stop?.abort();
      this.#listen.cancel();
      this.#listen = undefined;
      await this.reportStatus(STATUS.AVAILABLE, "Available for new lease");
    }
  }

  async #forward(endpoint: string, token: string): Promise<void> {
    try {
      const conn = await Deno.connect({ transport: "unix", path: this.#socketPath });
      await forwardStream(new UpstreamRouterStream(endpoint, token, this.config.tls.ca), conn);
    } catch {
      // Upstream logs "stream copy interrupted"; the test sees it as missing bytes.
    }
  }

  #serveSession(): void {
    const call = (uuid: string, method: string) => this.calls.push(`${uuid}.${method}`);
    this.#session.addService(protos.v1.ExporterService.service, {
      GetReport: (_: Any, done: Any) =>
        done(null, { uuid: ROOT, labels: this.labels, reports: REPORTS }),
      DriverCall: (request: Any, done: Any) => {
        call(request.request.uuid, request.request.method);
        done(null, { uuid: request.request.uuid, result: { nullValue: 0 } });
      },
      GetStatus: (_: Any, done: Any) => done(null, { status: STATUS.LEASE_READY }),
      Reset: (_: Any, done: Any) => done(null, {}),
      EndSession: (_: Any, done: Any) => done(null, { success: true }),
    });
    // A driver byte stream (`request` metadata) echoes, as a loopback console would.
    this.#session.addService(protos.v1.RouterService.service, {
      Stream: (stream: Any) => {
        const request = JSON.parse(String(stream.metadata.get("request")[0] ?? "{}"));
        call(request.uuid, request.method);
        stream.sendMetadata(new grpc.Metadata());
        stream.on("data", (frame: Any) => {
          if (frame.frameType === FRAME.DATA) stream.write(frame);
          else if (frame.frameType === FRAME.GOAWAY) {
            stream.write({ payload: new Uint8Array(0), frameType: FRAME.GOAWAY });
            stream.end();
          }
        });
        stream.on("error", () => {});
      },
    });
  }

  /** Goes away as upstream's exporter does on exit: streams cut, Unregister, channels closed. */
  async close(): Promise<void> {
    this.#stop?.abort();
    this.#listen?.cancel();
    this.#status?.cancel();
    await unary(this.controller, "Unregister", { reason: "exiting" }).catch(() => {});
    this.controller.close();
    await Promise.allSettled([...this.#streams]);
    this.#session.forceShutdown();
    await Deno.remove(this.#socketPath).catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
