/**
 * A fastboot device on TCP for the Fastboot tests, speaking the protocol as
 * AOSP documents it (system/core/fastboot/README.md): the `FB01` handshake,
 * then 8-byte big-endian length-prefixed packets; `getvar:`, `download:` (a
 * `DATA` phase), `flash:`, `erase:`, `reboot`. It keeps what each
 * partition was flashed with.
 *
 * @module
 */

/** The simulated device: partitions flashed, commands seen. */
export interface FastbootDevice extends AsyncDisposable {
  port: number;
  partitions: Map<string, Uint8Array>;
  commands: string[];
  rebooted: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const got = await conn.read(out.subarray(at));
    if (got === null) return null;
    at += got;
  }
  return out;
}

async function readPacket(conn: Deno.Conn): Promise<Uint8Array | null> {
  const header = await readExactly(conn, 8);
  if (!header) return null;
  const length = Number(new DataView(header.buffer).getBigUint64(0));
  return await readExactly(conn, length);
}

async function send(conn: Deno.Conn, text: string): Promise<void> {
  const body = encoder.encode(text);
  const packet = new Uint8Array(8 + body.byteLength);
  new DataView(packet.buffer).setBigUint64(0, BigInt(body.byteLength));
  packet.set(body, 8);
  for (let at = 0; at < packet.byteLength;) at += await conn.write(packet.subarray(at));
}

/** Starts a device on 127.0.0.1 with `partitions` (names) that may be flashed. */
export function startFastbootDevice(names: string[]): FastbootDevice {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const device: FastbootDevice = {
    port: (listener.addr as Deno.NetAddr).port,
    partitions: new Map(),
    commands: [],
    rebooted: 0,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Closed by the client.
        }
      }
      await Promise.allSettled(sessions);
    },
  };
  const conns = new Set<Deno.Conn>();
  const sessions: Promise<void>[] = [];
  const serve = async (conn: Deno.Conn) => {
    let download: Uint8Array | undefined;
    try {
      const hello = await readExactly(conn, 4);
      if (!hello || decoder.decode(hello) !== "FB01") return;
      await conn.write(encoder.encode("FB01"));
      while (true) {
        const packet = await readPacket(conn);
        if (!packet) return;
        const command = decoder.decode(packet);
        device.commands.push(command.startsWith("download:") ? "download" : command);
        const [verb, arg = ""] = command.split(/:(.*)/s);
        if (verb === "getvar") {
          if (arg === "max-download-size") await send(conn, "OKAY0x4000000");
          else if (arg === "product") await send(conn, "OKAYsimulated");
          else if (arg.startsWith("partition-size:") && names.includes(arg.slice(15))) {
            await send(conn, "OKAY0x4000000");
          } else await send(conn, "FAILunknown variable");
        } else if (verb === "download") {
          const size = parseInt(arg, 16);
          await send(conn, `DATA${arg}`);
          const data = new Uint8Array(size);
          let at = 0;
          while (at < size) {
            const part = await readPacket(conn);
            if (!part) return;
            data.set(part, at);
            at += part.byteLength;
          }
          download = data;
          await send(conn, "OKAY");
        } else if (verb === "flash") {
          if (!names.includes(arg)) await send(conn, `FAILpartition '${arg}' does not exist`);
          else if (!download) await send(conn, "FAILno image downloaded");
          else {
            device.partitions.set(arg, download);
            await send(conn, "OKAY");
          }
        } else if (verb === "erase") {
          device.partitions.set(arg, new Uint8Array(0));
          await send(conn, "OKAY");
        } else if (verb === "reboot" || verb === "reboot-bootloader") {
          device.rebooted++;
          await send(conn, "OKAY");
        } else await send(conn, `FAILunknown command ${verb}`);
      }
    } catch {
      // The client went away.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  };
  (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        sessions.push(serve(conn));
      }
    } catch {
      // The listener closed.
    }
  })();
  return device;
}
