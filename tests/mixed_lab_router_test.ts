/**
 * Byte streams through our router over TLS for every pairing of upstream's
 * and our stream code: upstream client ↔ our exporter, our client ↔
 * upstream exporter, upstream ↔ upstream, ours ↔ ours. Upstream's side is
 * the independent grpc-js stack of `_fixtures/upstream_stack.ts` (bare
 * `host:port` targets, the test CA from `tls.ca`, its metadata and frame
 * behaviour); ours is the real code: the lease tunnel (`openTunnel`) on the
 * client and `serveDial` on the exporter. The exporter's control plane
 * (Register, Status, Listen) is upstream's stand-in in every pairing.
 *
 * Each stream reaches a hashing target on the exporter's side: the client
 * sends data and half-closes; the target answers, after that half-close,
 * with the sha256 of what it got and a reply of the size the client asked.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { MixedLab, opensslMissing } from "./_fixtures/mixed_lab.ts";
import { UpstreamExporter } from "./_fixtures/upstream_exporter.ts";
import { forwardStream, UpstreamRouterStream, upstreamTunnel } from "./_fixtures/upstream_stack.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { openTunnel } from "../src/client/lease_tunnel.ts";
import { serveDial } from "../src/exporter/router_dial.ts";
import type { LocalExporter } from "../src/exporter/local.ts";
import { RouterClients } from "../src/transport/router_splice.ts";
import { Logger } from "../src/log.ts";
import { writeAll } from "../src/driver/write_all.ts";

const CI = Deno.env.get("CI") === "true";
const opts = {
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: opensslMissing && !CI,
};
const BIG = 256 * 1024 * 1024;

function pattern(size: number, seed: number): Uint8Array {
  const block = new Uint8Array(65_536).map((_, i) => (i * 131 + seed) % 251);
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += block.length) out.set(block.subarray(0, size - off), off);
  return out;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The target behind the exporter: hashes until the half-close, then answers (see the module doc). */
function hashingTarget(path: string, slow = false) {
  const listener = Deno.listen({ transport: "unix", path });
  const serve = async (conn: Deno.Conn) => {
    try {
      const hash = createHash("sha256");
      const header = new Uint8Array(8);
      let headerGot = 0;
      const buffer = new Uint8Array(256 * 1024);
      let unpaced = 0;
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        // A slow target: about 50 MB/s, so the router's reading stops for backpressure.
        if (slow && (unpaced += n) >= 1 << 20) {
          unpaced = 0;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        let chunk = buffer.subarray(0, n);
        if (headerGot < 8) {
          const take = Math.min(8 - headerGot, chunk.length);
          header.set(chunk.subarray(0, take), headerGot);
          headerGot += take;
          chunk = chunk.subarray(take);
        }
        hash.update(chunk);
      }
      const replySize = Number(new DataView(header.buffer).getBigUint64(0));
      await writeAll(conn, new Uint8Array(Buffer.from(hash.digest())));
      await writeAll(conn, pattern(replySize, 9));
      await conn.closeWrite();
    } catch {
      // Cut by the test (lease end).
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  void (async () => {
    for await (const conn of listener) void serve(conn);
  })().catch(() => {});
  return listener;
}

/** Sends `size` bytes and half-closes; checks the target's hash and the reply of `replySize`. */
async function roundTrip(path: string, size: number, replySize: number, seed: number) {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    const data = pattern(size, seed);
    const header = new Uint8Array(8);
    new DataView(header.buffer).setBigUint64(0, BigInt(replySize));
    const reading = (async () => {
      await Promise.resolve();
      const chunks: Uint8Array[] = [];
      const buffer = new Uint8Array(256 * 1024);
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        chunks.push(buffer.slice(0, n));
      }
      return new Uint8Array(Buffer.concat(chunks));
    })();
    await writeAll(conn, header);
    for (let off = 0; off < size; off += 1 << 20) {
      await writeAll(conn, data.subarray(off, off + (1 << 20)));
    }
    await conn.closeWrite();
    const back = await reading;
    assert.equal(
      back.byteLength,
      32 + replySize,
      "the answer came back whole after the half-close",
    );
    assert.equal(
      Buffer.from(back.subarray(0, 32)).toString("hex"),
      sha256(data),
      "sha256 at the exporter's end",
    );
    assert.equal(sha256(back.subarray(32)), sha256(pattern(replySize, 9)), "the reply intact");
  } finally {
    conn.close();
  }
}

/** Fails (instead of hanging) when `promise` takes longer than `ms`. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error(`${what}: no end within ${ms / 1000} s`)), ms)
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

type Kind = "upstream" | "ours" | "ours raw";
/**
 * Every pairing on the gRPC Stream path, then our raw splice over TLS with
 * each peer, and once with a slow target: the router's reading of the
 * client's TLS splice stops for backpressure, and the client's half-close
 * must still get through (Deno 2.9.6's node:tls lost it, see flowing_conn.ts).
 */
const PAIRINGS: [Kind, Kind, number, "slow target"?][] = [
  ["upstream", "upstream", BIG],
  ["upstream", "ours", BIG],
  ["ours", "upstream", BIG],
  ["ours", "ours", BIG],
  ["ours raw", "ours raw", 32 << 20],
  ["ours raw", "ours raw", 64 << 20, "slow target"],
  ["ours raw", "upstream", 32 << 20],
  ["upstream", "ours raw", 32 << 20],
];

for (const [clientKind, exporterKind, size, slow] of PAIRINGS) {
  Deno.test({
    name: `router over TLS (${clientKind} client, ${exporterKind} exporter${
      slow ? `, ${slow}` : ""
    }): ${
      size >> 20
    } MiB intact with a half-close, 12 concurrent streams, streams end with the lease`,
    ...opts,
    async fn() {
      // Our sides take the raw splice unless told not to (then the gRPC Stream).
      const raw = clientKind === "ours raw" || exporterKind === "ours raw";
      if (raw) Deno.env.delete("JMP_ROUTER_SPLICE");
      else Deno.env.set("JMP_ROUTER_SPLICE", "off");
      await using lab = await MixedLab.start();
      const target = hashingTarget(`${lab.dir}/target.sock`, slow !== undefined);
      const alice = await lab.client("alice");
      const box = await lab.exporter("box", { board: "box" });
      const routers = new RouterClients(box.ours.tls);
      const log = new Logger("exporter");
      // Our exporter's stream side: the real serveDial, its socket the target.
      const local = { socketPath: `${lab.dir}/target.sock` } as LocalExporter;
      await using exporter = new UpstreamExporter(
        box.upstream,
        { board: "box" },
        exporterKind !== "upstream"
          ? (endpoint, token, stop) => serveDial(local, routers, { endpoint, token, stop }, log)
          : async (endpoint, token) => {
            const conn = await Deno.connect({ transport: "unix", path: `${lab.dir}/target.sock` });
            await forwardStream(
              new UpstreamRouterStream(endpoint, token, box.upstream.tls.ca),
              conn,
            );
          },
      );
      await exporter.start(lab.dir);
      const client = new ControllerClient(alice.ours);
      try {
        const leaseName = await lab.lease(client, "board=box");
        const side = clientKind === "upstream"
          ? upstreamTunnel(alice.upstream, leaseName, `${lab.dir}/client.sock`)
          : await openTunnel(client, leaseName);
        const path = "path" in side ? side.path : side.host.replace("unix://", "");
        try {
          if (clientKind === "ours raw" && "fastTarget" in side) {
            // The router took a raw splice on its TLS port (it throws when it does not).
            const target = side.fastTarget;
            assert.ok(typeof target !== "string");
            (await target.dial()).close();
          }
          await within(120_000, roundTrip(path, size, 4 << 20, 1), "the large transfer");
          await within(
            60_000,
            Promise.all(
              Array.from({ length: 12 }, (_, i) => roundTrip(path, 2 << 20, 2 << 20, i + 2)),
            ),
            "12 concurrent streams",
          );
          // A stream open when the lease ends is cut.
          const conn = await Deno.connect({ transport: "unix", path });
          await writeAll(conn, new Uint8Array(8));
          await writeAll(conn, pattern(1 << 20, 3));
          await client.releaseLease(leaseName);
          const ended = await Promise.race([
            conn.read(new Uint8Array(64)).then(() => "ended", () => "ended"),
            new Promise((resolve) => setTimeout(() => resolve("still open"), 10_000)),
          ]);
          conn.close();
          assert.equal(ended, "ended", "the stream ended with the lease");
        } finally {
          await side.close();
        }
      } finally {
        Deno.env.delete("JMP_ROUTER_SPLICE");
        await client.close();
        routers.close();
        target.close();
      }
    },
  });
}
