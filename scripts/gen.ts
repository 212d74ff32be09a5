/**
 * Regenerates the TypeScript protobuf code in src/gen from proto/.
 *
 *   deno task gen                      # rewrite src/gen from scratch
 *   deno run -A scripts/gen.ts --check # exit 1 if src/gen is stale (CI)
 *
 * Tools: buf (a Go binary shipped in the npm package @bufbuild/buf) drives the
 * protoc-gen-es plugin, which deno runs from npm as a local plugin (see
 * buf.gen.yaml). Both are fetched by deno at generation time only, with
 * --no-config --no-lock, so they never enter deno.json, deno.lock or any
 * node_modules: they are not runtime dependencies.
 *
 * Both modes generate into a fresh temp directory first; write mode then
 * replaces src/gen with it, check mode compares the two byte for byte.
 */

import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const BUF = "npm:@bufbuild/buf@1.75.0";
const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");
const OUT_REL = join("src", "gen");
const OUT = join(ROOT, OUT_REL);

async function main(): Promise<number> {
  const args = new Set(Deno.args);
  const check = args.delete("--check");
  if (args.size > 0) {
    console.error(`usage: deno run -A scripts/gen.ts [--check]\nunknown argument(s): ${[...args]}`);
    return 2;
  }

  await checkPluginMatchesRuntime();

  const started = performance.now();
  const tmp = await Deno.makeTempDir({ prefix: "jmp-gen-" });
  try {
    await runBuf(tmp);
    const fresh = await readTree(join(tmp, OUT_REL));
    if (fresh.size === 0) throw new Error("buf generated no files");
    const ms = Math.round(performance.now() - started);

    if (check) {
      const current = await readTree(OUT);
      const problems = diffTrees(current, fresh);
      if (problems.length > 0) {
        console.error(
          `${OUT_REL} is stale: it differs from what scripts/gen.ts generates ` +
            `from proto/:\n${problems.map((p) => `  ${p}`).join("\n")}\n` +
            `Run \`deno task gen\` and commit the result.`,
        );
        return 1;
      }
      console.log(`${OUT_REL} is up to date (${fresh.size} files, generated in ${ms} ms)`);
      return 0;
    }

    await Deno.remove(OUT, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    for (const [rel, bytes] of fresh) {
      const dest = join(OUT, rel);
      await Deno.mkdir(dirname(dest), { recursive: true });
      await Deno.writeFile(dest, bytes);
    }
    console.log(`wrote ${fresh.size} files to ${OUT_REL} (generated in ${ms} ms):`);
    for (const rel of fresh.keys()) console.log(`  ${join(OUT_REL, rel)}`);
    return 0;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Runs `buf generate` with the repo's buf.yaml / buf.gen.yaml, writing below `outBase`. */
async function runBuf(outBase: string): Promise<void> {
  const deno = Deno.execPath();
  const pathSep = Deno.build.os === "windows" ? ";" : ":";
  // buf.gen.yaml starts the plugin as plain `deno`: make that this very deno.
  const path = [dirname(deno), Deno.env.get("PATH") ?? ""].join(pathSep);
  const cmd = new Deno.Command(deno, {
    args: ["run", "-A", "--no-config", "--no-lock", BUF, "generate", "--output", outBase],
    cwd: ROOT,
    env: { PATH: path, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await cmd.output();
  if (code !== 0) {
    const text = new TextDecoder();
    throw new Error(
      `buf generate failed (exit ${code}):\n${text.decode(stdout)}${text.decode(stderr)}`,
    );
  }
}

/**
 * The generated code calls into @bufbuild/protobuf's codegenv2 API, so the plugin
 * version in buf.gen.yaml must equal the runtime version mapped in deno.json.
 */
async function checkPluginMatchesRuntime(): Promise<void> {
  const genYaml = await Deno.readTextFile(join(ROOT, "buf.gen.yaml"));
  const plugin = genYaml.match(/npm:@bufbuild\/protoc-gen-es@([\w.-]+)/)?.[1];
  const denoJson = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const runtime = String(denoJson.imports?.["@bufbuild/protobuf"] ?? "")
    .match(/^npm:@bufbuild\/protobuf@([\w.-]+)$/)?.[1];
  if (!plugin || !runtime || plugin !== runtime) {
    throw new Error(
      `version mismatch: buf.gen.yaml uses protoc-gen-es@${plugin ?? "?"}, ` +
        `deno.json maps @bufbuild/protobuf to ${runtime ?? "?"}; pin both to the same version`,
    );
  }
}

/** All files below `dir`, keyed by path relative to `dir` (forward slashes), sorted. */
async function readTree(dir: string): Promise<Map<string, Uint8Array>> {
  const files: [string, Uint8Array][] = [];
  async function walk(d: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const entry of entries) {
      const full = join(d, entry.name);
      if (entry.isDirectory) await walk(full);
      else files.push([relative(dir, full).split(sep).join("/"), await Deno.readFile(full)]);
    }
  }
  await walk(dir);
  files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(files);
}

function diffTrees(current: Map<string, Uint8Array>, fresh: Map<string, Uint8Array>): string[] {
  const out: string[] = [];
  for (const [rel, bytes] of fresh) {
    const have = current.get(rel);
    if (!have) out.push(`missing:  ${OUT_REL}/${rel}`);
    else if (!sameBytes(have, bytes)) out.push(`outdated: ${OUT_REL}/${rel}`);
  }
  for (const rel of current.keys()) {
    if (!fresh.has(rel)) out.push(`extra:    ${OUT_REL}/${rel} (not generated from proto/)`);
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`gen: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
