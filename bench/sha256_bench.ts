/**
 * Which sha256 is fastest for Deno here, over the 64 MiB a flash hashes at
 * each end: node:crypto's streaming hash in 64 KiB and 256 KiB updates (what
 * the storage drivers use, since a flash arrives in chunks), node:crypto over
 * the whole buffer at once, and WebCrypto's `subtle.digest`, which has no
 * streaming form and so needs the whole image in memory.
 *
 *   deno bench -A bench/sha256_bench.ts
 */
import { createHash } from "node:crypto";

const TOTAL = 64 * 1024 * 1024;
const image = new Uint8Array(TOTAL);
for (let i = 0; i < TOTAL; i += 4096) image[i] = i & 0xff;

function streaming(chunk: number): string {
  const hash = createHash("sha256");
  for (let at = 0; at < TOTAL; at += chunk) hash.update(image.subarray(at, at + chunk));
  return hash.digest("hex");
}

Deno.bench({
  name: "sha256 64 MiB: node:crypto streaming, 64 KiB updates",
  group: "sha256",
  baseline: true,
  fn: () => void streaming(64 * 1024),
});
Deno.bench({
  name: "sha256 64 MiB: node:crypto streaming, 256 KiB updates",
  group: "sha256",
  fn: () => void streaming(256 * 1024),
});
Deno.bench({
  name: "sha256 64 MiB: node:crypto, one update",
  group: "sha256",
  fn: () => void createHash("sha256").update(image).digest("hex"),
});
Deno.bench({
  name: "sha256 64 MiB: WebCrypto subtle.digest (whole buffer)",
  group: "sha256",
  async fn() {
    await crypto.subtle.digest("SHA-256", image);
  },
});
