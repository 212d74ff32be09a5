/** Drivers used only by the project's own tests of the exporter and client. */
import { Driver } from "../../src/driver/driver.ts";
import { byteStream, streaming, unary } from "../../src/driver/exports.ts";
import { type Duplex, duplexPair } from "../../src/driver/stream.ts";
import { releasesChunks } from "../../src/driver/releases_chunks.ts";
import { NotImplementedError } from "../../src/driver/errors.ts";
import type { Registry } from "../../src/driver/registry.ts";
import { registry as builtin } from "../../drivers/registry.ts";
import { createHash } from "node:crypto";

/** Echoes byte streams, counts, hashes uploads. */
export class EchoDriver extends Driver {
  static override client = "test.EchoClient";

  @unary({ description: "Add two numbers", params: ["number", "number"] })
  add(a: number, b: number): number {
    return a + b;
  }

  @unary({ description: "Return the argument" })
  identity(value: unknown): unknown {
    return value;
  }

  @unary()
  unsupported(): void {
    throw new NotImplementedError("unsupported() is not implemented by EchoDriver");
  }

  @streaming({ description: "Count from 1 to n", params: ["number"] })
  async *count(n: number): AsyncGenerator<number> {
    for (let i = 1; i <= n; i++) {
      await new Promise((r) => setTimeout(r, 1));
      yield i;
    }
  }

  @byteStream({ description: "Echo bytes back" })
  connect(): Duplex {
    const [near, far] = duplexPair();
    far.readable.pipeTo(far.writable).catch(() => {});
    return near;
  }

  @byteStream({ description: "Swallow bytes; answer with their count at EOF" })
  sink(): Duplex {
    let count = 0;
    let answer!: ReadableStreamDefaultController<Uint8Array>;
    const readable = new ReadableStream<Uint8Array>({ start: (c) => void (answer = c) });
    const writable = releasesChunks(
      new WritableStream<Uint8Array>({
        write(chunk) {
          count += chunk.byteLength;
        },
        close() {
          answer.enqueue(new TextEncoder().encode(String(count)));
          answer.close();
        },
      }),
    );
    return { readable, writable };
  }

  @byteStream({
    description:
      "Hash bytes as they come, some writes settling late; answer with the sha256 at EOF",
  })
  hashSink(): Duplex {
    const hash = createHash("sha256");
    let writes = 0;
    let answer!: ReadableStreamDefaultController<Uint8Array>;
    const readable = new ReadableStream<Uint8Array>({ start: (c) => void (answer = c) });
    // Done with each chunk once its write settled, as `releasesChunks` promises: a
    // transport reusing a chunk's memory any earlier would change the hash.
    const writable = releasesChunks(
      new WritableStream<Uint8Array>({
        async write(chunk) {
          if (++writes % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          hash.update(chunk);
        },
        close() {
          answer.enqueue(new TextEncoder().encode(hash.digest("hex")));
          answer.close();
        },
        // A queue: several chunks are accepted before the first one's write settles.
      }, { highWaterMark: 8 }),
    );
    return { readable, writable };
  }

  @unary({ description: "Hash an uploaded resource" })
  async digest(handle: unknown): Promise<{ size: number; sha256: string }> {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of this.context.openResource(handle)) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
    return { size, sha256: hash.digest("hex") };
  }
}

/** The built-in registry plus `test.Echo`. */
export const testRegistry = {
  driver: (type: string, path: string) =>
    type === "test.Echo" ? EchoDriver : builtin.driver(type, path),
  client: (label: string | undefined) => builtin.client(label),
  types: () => [...builtin.types(), "test.Echo"],
  load: (uses: { type: string; path: string }[]) =>
    builtin.load(uses.filter(({ type }) => type !== "test.Echo")),
  loadClients: (labels: (string | undefined)[]) => builtin.loadClients(labels),
} as unknown as Registry;
