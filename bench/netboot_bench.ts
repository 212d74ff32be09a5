/**
 * The exporter's file servers against the standard servers, fetched by the
 * same real client in the same run: 64 MiB over TFTP with blksize 1468
 * (curl's TFTP client: tftp-hpa's `tftp` cannot ask for a block size) from
 * `network.TftpServer` and from tftpd-hpa's `in.tftpd`; 256 MiB over HTTP
 * with curl from `network.HttpServer` and from `busybox httpd`. The file
 * servers run in an exporter served on a local socket, the files put there
 * through the client. Each fetch is checked for its size.
 */
import dgram from "node:dgram";
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { registry } from "../drivers/registry.ts";
import { connect } from "../mod.ts";
import { FileServerClient } from "../drivers/netboot/client.ts";

const TFTP_BYTES = 64 * 1024 * 1024;
const HTTP_BYTES = 256 * 1024 * 1024;

const dir = await Deno.makeTempDir({ prefix: "jumpstarter-bench-netboot-" });
await Deno.mkdir(`${dir}/plain`);
async function randomFile(path: string, size: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true });
  const chunk = new Uint8Array(1024 * 1024);
  for (let done = 0; done < size; done += chunk.byteLength) {
    for (let i = 0; i < chunk.byteLength; i += 65536) {
      crypto.getRandomValues(chunk.subarray(i, i + 65536));
    }
    await file.write(chunk);
  }
}
await randomFile(`${dir}/plain/tftp.bin`, TFTP_BYTES);
await randomFile(`${dir}/plain/http.bin`, HTTP_BYTES);

/** A port free on 127.0.0.1 now (for the baseline servers, which take no port 0). */
async function freePort(transport: "tcp" | "udp"): Promise<number> {
  if (transport === "tcp") {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    return port;
  }
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const tftpdPort = await freePort("udp");
const tftpd = new Deno.Command("/usr/sbin/in.tftpd", {
  args: ["--foreground", "--address", `127.0.0.1:${tftpdPort}`, "--secure", `${dir}/plain`],
  stdin: "null",
}).spawn();
const httpdPort = await freePort("tcp");
const httpd = new Deno.Command("busybox", {
  args: ["httpd", "-f", "-p", `127.0.0.1:${httpdPort}`, "-h", `${dir}/plain`],
  stdin: "null",
}).spawn();

const local = await serveLocal(
  parseExporterConfig(
    `export:
  tftp: {type: network.TftpServer, config: {root: ${dir}/tftp, host: 127.0.0.1, port: 0}}
  http: {type: network.HttpServer, config: {root: ${dir}/www, host: 127.0.0.1, port: 0}}
`,
    Deno.cwd(),
  ),
  registry,
  { socketPath: `${dir}/exporter.sock` },
);
const root = await connect(local.host);
const tftp = root.child("tftp", FileServerClient);
const http = root.child("http", FileServerClient);
await tftp.put(`${dir}/plain/tftp.bin`);
await http.put(`${dir}/plain/http.bin`);
const tftpAddress = await tftp.address();
const httpAddress = await http.address();

/** Fetches `url` with curl to /dev/null and checks the size. */
async function fetch(url: string, size: number, ...options: string[]): Promise<void> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "-o", "/dev/null", "-w", "%{size_download}", ...options, url],
    stdin: "null",
  }).output();
  const got = Number(new TextDecoder().decode(out.stdout));
  if (!out.success || got !== size) {
    throw new Error(`curl ${url}: ${new TextDecoder().decode(out.stderr)} (${got} bytes)`);
  }
}

const TFTP = ["--tftp-blksize", "1468"];

Deno.bench({
  name: "in.tftpd: TFTP fetch 64 MiB, blksize 1468",
  group: "tftp",
  baseline: true,
  n: 3,
  warmup: 1,
  async fn() {
    await fetch(`tftp://127.0.0.1:${tftpdPort}/tftp.bin`, TFTP_BYTES, ...TFTP);
  },
});

Deno.bench({
  name: "network.TftpServer: TFTP fetch 64 MiB, blksize 1468",
  group: "tftp",
  n: 3,
  warmup: 1,
  async fn() {
    await fetch(`${tftpAddress}/tftp.bin`, TFTP_BYTES, ...TFTP);
  },
});

Deno.bench({
  name: "busybox httpd: HTTP fetch 256 MiB",
  group: "http",
  baseline: true,
  n: 5,
  warmup: 1,
  async fn() {
    await fetch(`http://127.0.0.1:${httpdPort}/http.bin`, HTTP_BYTES);
  },
});

Deno.bench({
  name: "network.HttpServer: HTTP fetch 256 MiB",
  group: "http",
  n: 5,
  warmup: 1,
  async fn() {
    await fetch(`${httpAddress}/http.bin`, HTTP_BYTES);
  },
});

globalThis.addEventListener("unload", () => {
  tftpd.kill("SIGTERM");
  httpd.kill("SIGTERM");
  void root.close();
  void local.close();
  Deno.removeSync(dir, { recursive: true });
});
