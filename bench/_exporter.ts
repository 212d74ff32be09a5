/**
 * Starts `_exporter_process.ts` as a child process for a benchmark: the
 * exporter runs apart from the client, as users run it.
 */

/** An exporter process serving `configYaml`; `close()` ends it and removes its directory. */
export async function startExporterProcess(configYaml: string, dir?: string) {
  const own = dir === undefined;
  dir ??= await Deno.makeTempDir({ prefix: "jumpstarter-bench-" });
  const configPath = `${dir}/exporter.yaml`;
  await Deno.writeTextFile(configPath, configYaml);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // e.g. BENCH_EXPORTER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the exporter
      ...(Deno.env.get("BENCH_EXPORTER_FLAGS")?.split(" ").filter(Boolean) ?? []),
      new URL("./_exporter_process.ts", import.meta.url).pathname,
      dir,
      configPath,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The bench exporter process ended before it was ready");
    seen += value;
  }
  reader.releaseLock();
  const stdin = child.stdin.getWriter();
  let closing: Promise<void> | undefined;
  return {
    dir,
    socketPath: `${dir}/exporter.sock`,
    host: `unix://${dir}/exporter.sock`,
    rawEchoPath: `${dir}/raw-echo.sock`,
    rawSinkPath: `${dir}/raw-sink.sock`,
    rawFlashPath: `${dir}/raw-flash.sock`,
    pid: child.pid,
    close: () =>
      closing ??= (async () => {
        await stdin.close().catch(() => {});
        await child.status;
        await child.stdout.cancel().catch(() => {});
        if (own) await Deno.remove(dir!, { recursive: true }).catch(() => {});
      })(),
    /** For `unload` handlers, which cannot wait. */
    kill: () => {
      try {
        child.kill("SIGKILL");
      } catch { /* ended */ }
      if (own) {
        try {
          Deno.removeSync(dir!, { recursive: true });
        } catch { /* gone */ }
      }
    },
  };
}
