/**
 * Builds the three executables into dist/: `jumpstarter`, `exporter`, `controller`.
 *
 *   deno task compile                          # real binaries (needs Deno's denort download)
 *   deno run -A scripts/compile.ts --embed-check
 *
 * `--embed-check` is for machines that cannot download denort (CI here): it
 * sets DENORT_BIN to the running deno, which makes `deno compile` do the whole
 * embedding step (module graph, npm packages, every built-in driver) but yields
 * only a copy of deno. It reports each payload's size and fails past a limit,
 * so codegen tools or stray files never get packed.
 */
const entries = [
  { name: "jumpstarter", entry: "cli.ts" },
  { name: "exporter", entry: "exporter.ts" },
  { name: "controller", entry: "controller.ts" },
];
const PAYLOAD_LIMIT_MB = 40;

const embedCheck = Deno.args.includes("--embed-check");
const root = new URL("..", import.meta.url).pathname;
const outDir = embedCheck
  ? await Deno.makeTempDir({ prefix: "jumpstarter-embed-" })
  : `${root}dist`;
await Deno.mkdir(outDir, { recursive: true });
const denoSize = (await Deno.stat(Deno.execPath())).size;
let failed = false;

for (const { name, entry } of entries) {
  const output = `${outDir}/${name}`;
  const env: Record<string, string> = embedCheck ? { DENORT_BIN: Deno.execPath() } : {};
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "-A", "--no-check", "--output", output, `${root}${entry}`],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    console.error(`compile ${entry} failed:\n${new TextDecoder().decode(result.stderr)}`);
    failed = true;
    continue;
  }
  const size = (await Deno.stat(output)).size;
  if (embedCheck) {
    const payload = (size - denoSize) / 1024 / 1024;
    const verdict = payload <= PAYLOAD_LIMIT_MB ? "ok" : `over the ${PAYLOAD_LIMIT_MB} MB limit`;
    console.log(
      `${name.padEnd(12)} ${entry.padEnd(14)} embedded payload ${
        payload.toFixed(1)
      } MB  ${verdict}`,
    );
    if (payload > PAYLOAD_LIMIT_MB) failed = true;
  } else {
    console.log(`${output}  ${(size / 1024 / 1024).toFixed(1)} MB`);
  }
}
if (embedCheck) await Deno.remove(outDir, { recursive: true });
Deno.exit(failed ? 1 : 0);
