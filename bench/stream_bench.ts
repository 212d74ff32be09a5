/**
 * Byte-stream throughput over the local unix socket, 64 MiB in 64 KiB writes,
 * client in this process and exporter in another, against a raw unix socket
 * between the same two processes (the baseline of each group). Our client
 * takes the fast local channel; the wire-compatible gRPC path is measured
 * beside it. MB/s = 64 MiB / time per iteration.
 */
import { drain, push, pushRaw, TOTAL } from "./_servers.ts";
import { grpcRoot, rawEchoPath, rawSinkPath, root } from "./_local.ts";

Deno.bench({
  name: "raw unix socket push 64 MiB",
  group: "push",
  baseline: true,
  async fn() {
    await pushRaw(await Deno.connect({ transport: "unix", path: rawSinkPath }));
  },
});

Deno.bench({
  name: "exporter byte stream push 64 MiB (client -> driver), fast channel",
  group: "push",
  async fn() {
    const stream = await root.echo.stream("sink");
    const answer = drain(stream.readable);
    await push(stream.writable);
    await answer;
  },
});

Deno.bench({
  name: "exporter byte stream push 64 MiB (client -> driver), gRPC",
  group: "push",
  n: 10,
  async fn() {
    const stream = await grpcRoot.echo.stream("sink");
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
    if (await pushRaw(await Deno.connect({ transport: "unix", path: rawEchoPath })) !== TOTAL) {
      throw new Error("raw echo lost data");
    }
  },
});

Deno.bench({
  name: "exporter byte stream echo 64 MiB (both directions), fast channel",
  group: "echo",
  async fn() {
    const stream = await root.echo.stream("connect");
    const back = drain(stream.readable);
    await push(stream.writable);
    if (await back !== TOTAL) throw new Error("stream echo lost data");
  },
});

Deno.bench({
  name: "exporter byte stream echo 64 MiB (both directions), gRPC",
  group: "echo",
  n: 10,
  async fn() {
    const stream = await grpcRoot.echo.stream("connect");
    const back = drain(stream.readable);
    await push(stream.writable);
    if (await back !== TOTAL) throw new Error("stream echo lost data");
  },
});
