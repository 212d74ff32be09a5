/**
 * Byte-stream throughput over the local unix socket, 64 MiB in 64 KiB writes,
 * against a raw Deno unix socket in the same run (the baseline of each group).
 * MB/s = 64 MiB / time per iteration.
 */
import {
  CHUNK,
  chunk,
  drain,
  local,
  push,
  rawEchoPath,
  rawSinkPath,
  root,
  TOTAL,
} from "./_servers.ts";

Deno.bench({
  name: "raw unix socket push 64 MiB",
  group: "push",
  baseline: true,
  async fn() {
    const conn = await Deno.connect({ transport: "unix", path: rawSinkPath });
    const answer = drain(conn.readable);
    const writer = conn.writable.getWriter();
    for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(chunk);
    await conn.closeWrite();
    await answer;
  },
});

Deno.bench({
  name: "exporter byte stream push 64 MiB (client -> driver)",
  group: "push",
  async fn() {
    const stream = await root.echo.stream("sink");
    const answer = drain(stream.readable);
    await push(stream.writable);
    await answer;
  },
});

Deno.bench({
  name: "raw unix socket echo 64 MiB",
  group: "echo",
  baseline: true,
  async fn() {
    const conn = await Deno.connect({ transport: "unix", path: rawEchoPath });
    const back = drain(conn.readable);
    const writer = conn.writable.getWriter();
    for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(chunk);
    await conn.closeWrite();
    if (await back !== TOTAL) throw new Error("raw echo lost data");
  },
});

Deno.bench({
  name: "exporter byte stream echo 64 MiB (both directions)",
  group: "echo",
  async fn() {
    const stream = await root.echo.stream("connect");
    const back = drain(stream.readable);
    await push(stream.writable);
    if (await back !== TOTAL) throw new Error("stream echo lost data");
  },
});

globalThis.addEventListener("unload", () => {
  void root.close();
  void local.close();
});
