/**
 * Builds the three executables into dist/: `jumpstarter`, `exporter`, `controller`.
 *
 *   deno task compile                          # real binaries (needs Deno's denort download)
 *   deno run -A scripts/compile.ts --embed-check
 *
 * `--embed-check` is for machines that cannot download denort (CI here): it
 * sets DENORT_BIN to the running deno, which makes `deno compile` do the whole
 * embedding step (module graph, npm packages, every built-in driver, the
 * dashboard's browser files, imported as text) but yields only a copy of
 * deno. It reports each payload's size and fails past a limit, so codegen
 * tools or stray files never get packed, and checks that the controller
 * holds the dashboard's files.
 *
 * Each executable embeds only the npm packages its entry point reaches
 * (`--exclude-unused-npm`), not every package in the lock file: without it,
 * every executable carried every package (the browser-test and dashboard
 * ones too) and went past the limit.
 *
 * deno.json loads dynamic imports lazily (`"unstable": ["lazy-dynamic-imports"]`:
 * `deno run` then reads only the modules a command reaches, 40 ms less per CLI
 * start here). `deno compile` embeds only the graph it walks, and with that
 * flag it walks no dynamic import, so it runs with a copy of deno.json
 * without the flag, beside it (paths in it stay relative to the root).
 */
import { CONTROLLER_V8_FLAGS } from "../src/controller/v8_flags.ts";

const entries = [
  // cli.ts loads the CLI by a computed specifier (start-up time), so it is included by name.
  {
    name: "jumpstarter",
    entry: "cli.ts",
    include: ["src/cli/cli_main.ts"],
    // A driver the registry loads on first use (drivers/power/snmp.ts): those are embedded too.
    markers: ["Start a session (local or leased)", "expected the outlet number"],
  },
  { name: "exporter", entry: "exporter.ts", markers: ["expected the outlet number"] },
  // The dashboard's browser files (its own and xterm.js from npm) must be inside.
  // Its heap sizing flags (src/controller/v8_flags.ts), as controller.ts's shebang has them.
  {
    name: "controller",
    entry: "controller.ts",
    flags: [CONTROLLER_V8_FLAGS],
    markers: ['performance.mark("exporters-rendered")', "xterm-helper-textarea", "FitAddon"],
  },
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

const LAZY = "lazy-dynamic-imports";
const denoJson = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
denoJson.unstable = (denoJson.unstable ?? []).filter((flag: string) => flag !== LAZY);
if (denoJson.unstable.length === 0) delete denoJson.unstable;
const compileConfig = `${root}.deno.compile.json`;
await Deno.writeTextFile(compileConfig, JSON.stringify(denoJson, null, 2));

/** The markers not found in the file at `path`. */
async function missingMarkers(path: string, markers: string[]): Promise<string[]> {
  if (markers.length === 0) return [];
  const text = new TextDecoder("latin1").decode(await Deno.readFile(path));
  return markers.filter((marker) => !text.includes(marker));
}

try {
  for (const entry of entries) {
    const { name, markers } = entry;
    const include: string[] = ("include" in entry ? entry.include : undefined) ?? [];
    const flags: string[] = ("flags" in entry ? entry.flags : undefined) ?? [];
    const output = `${outDir}/${name}`;
    const env: Record<string, string> = embedCheck ? { DENORT_BIN: Deno.execPath() } : {};
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "-A",
        "--no-check",
        "--exclude-unused-npm",
        "--config",
        compileConfig,
        "--lock",
        `${root}deno.lock`,
        "--frozen",
        ...flags,
        ...include.flatMap((file) => ["--include", `${root}${file}`]),
        "--output",
        output,
        `${root}${entry.entry}`,
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      console.error(`compile ${entry.entry} failed:\n${new TextDecoder().decode(result.stderr)}`);
      failed = true;
      continue;
    }
    const size = (await Deno.stat(output)).size;
    const missing = await missingMarkers(output, markers);
    if (missing.length > 0) {
      console.error(
        `${name}: embedded files missing (no ${missing.map((m) => `"${m}"`).join(", ")})`,
      );
      failed = true;
    }
    if (embedCheck) {
      const payload = (size - denoSize) / 1024 / 1024;
      const verdict = payload <= PAYLOAD_LIMIT_MB ? "ok" : `over the ${PAYLOAD_LIMIT_MB} MB limit`;
      console.log(
        `${name.padEnd(12)} ${entry.entry.padEnd(14)} embedded payload ${
          payload.toFixed(1)
        } MB  ${verdict}`,
      );
      if (payload > PAYLOAD_LIMIT_MB) failed = true;
    } else {
      console.log(`${output}  ${(size / 1024 / 1024).toFixed(1)} MB`);
    }
  }
} finally {
  await Deno.remove(compileConfig);
}
if (embedCheck) await Deno.remove(outDir, { recursive: true });
Deno.exit(failed ? 1 : 0);
