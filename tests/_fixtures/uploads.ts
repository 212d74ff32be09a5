/** Upload payloads whose digest the tests compare with what `EchoDriver.digest` reports. */
import { createHash } from "node:crypto";

/**
 * `size` bytes in 1 MiB chunks (a random 64 KiB head, a filled tail), made
 * only as they are pulled; `sha256()` is their digest once all were read.
 */
export function hashedSource(size: number): {
  source: ReadableStream<Uint8Array>;
  sha256: () => string;
} {
  const hash = createHash("sha256");
  let made = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (made >= size) return controller.close();
      const chunk = new Uint8Array(1024 * 1024);
      crypto.getRandomValues(chunk.subarray(0, 65536));
      chunk.fill(made / 1024 / 1024, 65536);
      hash.update(chunk);
      made += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { source, sha256: () => hash.digest("hex") };
}

/** `"hello "` 10,000 times as a gzip stream, and the digest of the text it decompresses to. */
export function gzippedHello(): {
  gz: ReadableStream<Uint8Array>;
  expected: { size: number; sha256: string };
} {
  const text = new TextEncoder().encode("hello ".repeat(10_000));
  const gz = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return {
    gz: gz as ReadableStream<Uint8Array>,
    expected: { size: text.byteLength, sha256: createHash("sha256").update(text).digest("hex") },
  };
}
