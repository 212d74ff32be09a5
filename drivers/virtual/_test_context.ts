/**
 * A `DriverContext` for unit tests that build drivers directly, without an
 * exporter: captured log records, a shared-object map and an in-memory
 * resource table.
 *
 * @module
 */
import type { DriverContext } from "../../src/driver/driver_context.ts";
import type { ResourceHandle } from "../../src/driver/resource_handle.ts";
import { Logger, type LogRecord } from "../../src/log.ts";

/** A driver context plus what tests inspect or feed. */
export interface TestContext extends DriverContext {
  /** Every record logged through this context (and its children). */
  readonly records: LogRecord[];
  /** Registers a stream as an uploaded resource; pass the handle to a driver method. */
  addResource(stream: ReadableStream<Uint8Array>): ResourceHandle;
  /** A context for another driver of the same exporter (shares objects, resources, log). */
  child(name: string): TestContext;
}

interface Shared {
  records: LogRecord[];
  objects: Map<string, unknown>;
  resources: Map<string, ReadableStream<Uint8Array>>;
  log: Logger;
}

/** A fresh context for a driver exported as `name`. */
export function testContext(name = "dut", baseDir = Deno.cwd()): TestContext {
  const records: LogRecord[] = [];
  const log = new Logger("test");
  log.attach((record) => records.push(record));
  return contextFor(name, baseDir, { records, objects: new Map(), resources: new Map(), log });
}

function contextFor(name: string, baseDir: string, shared: Shared): TestContext {
  return {
    name,
    path: `export.${name}`,
    log: shared.log.child(name),
    baseDir,
    records: shared.records,
    shared<T>(key: string, make: () => T): T {
      if (!shared.objects.has(key)) shared.objects.set(key, make());
      return shared.objects.get(key) as T;
    },
    openResource(handle: unknown): ReadableStream<Uint8Array> {
      const uuid = (handle as ResourceHandle | null)?.uuid;
      const stream = typeof uuid === "string" ? shared.resources.get(uuid) : undefined;
      if (!stream) {
        throw new TypeError(`Resource ${JSON.stringify(handle)} is unknown or was already used`);
      }
      shared.resources.delete(uuid!);
      return stream;
    },
    addResource(stream: ReadableStream<Uint8Array>): ResourceHandle {
      const uuid = crypto.randomUUID();
      shared.resources.set(uuid, stream);
      return { kind: "client_stream", uuid };
    },
    child: (childName: string) => contextFor(childName, baseDir, shared),
  };
}
