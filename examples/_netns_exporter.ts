/**
 * An exporter serving a config inside a network namespace of its own, the
 * way an exporter host sits on a lab network: `tap` mode adds a tap device
 * `tap0` with 192.168.77.1/24 for a QEMU board to use; `user` mode has only
 * the namespace's private loopback. The exporter listens on a unix socket,
 * which clients outside the namespace reach as any other file. Disposing
 * stops the exporter and deletes the namespace and the temporary directory.
 *
 * @module
 */
const ROOT = new URL("..", import.meta.url).pathname;

/** A running exporter in a namespace. */
export interface NetnsExporter extends AsyncDisposable {
  /** Its unix socket. */
  socket: string;
  /** A temporary directory for the config's files. */
  dir: string;
  namespace: string;
}

async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stdin: "null", stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

let made = 0;

/** Starts `exporter serve --local` on `config(dir)` in a new namespace. */
export async function netnsExporter(
  mode: "tap" | "user",
  config: (dir: string) => string,
): Promise<NetnsExporter> {
  const namespace = `jmp-netboot-${Deno.pid}-${made++}`;
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-netboot-" });
  const socket = `${dir}/exporter.sock`;
  let child: Deno.ChildProcess | undefined;
  const cleanUp = async () => {
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child?.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 10_000);
      await child.status;
      clearTimeout(timer);
    }
    await ip("netns", "delete", namespace).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await ip("netns", "add", namespace);
    await ip("-n", namespace, "link", "set", "lo", "up");
    if (mode === "tap") {
      await ip("netns", "exec", namespace, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap");
      await ip("-n", namespace, "addr", "add", "192.168.77.1/24", "dev", "tap0");
      await ip("-n", namespace, "link", "set", "tap0", "up");
    }
    await Deno.writeTextFile(
      `${dir}/exporter.yaml`,
      `apiVersion: jumpstarter.dev/v1alpha1\nkind: ExporterConfig\n${config(dir)}`,
    );
    child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        namespace,
        Deno.execPath(),
        "run",
        "-A",
        `${ROOT}exporter.ts`,
        "serve",
        "--local",
        "--config",
        `${dir}/exporter.yaml`,
        "--socket",
        socket,
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let log = "";
    const logged = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (text) => void (log = (log + text).slice(-4000)) }),
    ).catch(() => {});
    let exited = false;
    child.status.then(() => exited = true);
    const deadline = performance.now() + 60_000;
    while (!await Deno.stat(socket).then(() => true, () => false)) {
      if (exited || performance.now() > deadline) {
        await logged;
        throw new Error(`The exporter in namespace ${namespace} did not start: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return { socket, dir, namespace, [Symbol.asyncDispose]: cleanUp };
}
