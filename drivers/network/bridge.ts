/**
 * `bridge`: copies between a local connection and a byte stream in both
 * directions, passing half-closes through.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";

/**
 * Copies between a local connection and a stream in both directions,
 * passing half-closes through. Resolves when both directions are done;
 * rejects with the first failure after tearing both down.
 */
export async function bridge(local: Duplex & { close(): void }, remote: Duplex): Promise<void> {
  const up = local.readable.pipeTo(remote.writable);
  const down = remote.readable.pipeTo(local.writable);
  const [sent, received] = await Promise.allSettled([up, down]);
  if (received.status === "rejected") {
    local.close();
    await remote.readable.cancel().catch(() => {});
    throw received.reason;
  }
  if (sent.status === "rejected") {
    local.close();
    throw sent.reason;
  }
}
