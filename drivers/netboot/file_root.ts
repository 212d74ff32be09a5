/**
 * `FileRoot`: the one directory a TFTP or HTTP server serves. Names are
 * relative paths checked before any file is touched: no absolute paths, no
 * `..`, no control characters; a file reached through a symbolic link must
 * still lie inside the root. Uploads land in a temporary file renamed only
 * when complete, so a server never serves half a file.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join, relative, sep } from "node:path";

/** One file the root holds, as `list()` reports it. */
export interface RootEntry {
  /** Relative to the root, `/`-separated (`boot/vmlinuz`). */
  name: string;
  size: number;
  /** Last modification, ISO 8601. */
  modified: string;
}

/** What `put()` returns. */
export interface PutResult {
  name: string;
  size: number;
  sha256: string;
}

/** Longest name accepted (bytes of UTF-16 are close enough for a bound). */
const MAX_NAME = 1024;

/** A name that may not be served or written; `reason` says why. */
export class BadNameError extends Error {
  constructor(readonly fileName: string, reason: string) {
    super(`Invalid file name ${JSON.stringify(fileName)}: ${reason}`);
    this.name = "BadNameError";
  }
}

/** Checks a client's file name and returns its `/`-separated segments. */
export function nameSegments(name: string): string[] {
  if (name.length === 0) throw new BadNameError(name, "it is empty");
  if (name.length > MAX_NAME) throw new BadNameError(name, `longer than ${MAX_NAME} characters`);
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f\\]/.test(name)) {
    throw new BadNameError(name, "control characters and backslashes are not allowed");
  }
  const segments = name.replace(/^\/+/, "").split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length === 0) throw new BadNameError(name, "it names the root itself");
  if (segments.includes("..")) throw new BadNameError(name, '".." is not allowed');
  return segments;
}

/** The directory a file server serves, with checked names. */
export class FileRoot {
  /** The root's real path (symbolic links resolved). */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens `dir`, creating it (and its parents) when missing. */
  static async open(dir: string): Promise<FileRoot> {
    await Deno.mkdir(dir, { recursive: true });
    return new FileRoot(await Deno.realPath(dir));
  }

  /** Whether `path` lies inside the root. */
  #inside(path: string): boolean {
    const rel = relative(this.dir, path);
    return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
  }

  /**
   * The real path of an existing regular file `name` inside the root, or
   * `undefined` when there is none (missing, a directory, or a link leading
   * out of the root).
   */
  async file(name: string): Promise<{ path: string; size: number; mtime: Date | null }> {
    const real = await Deno.realPath(join(this.dir, ...nameSegments(name)));
    if (!this.#inside(real)) throw new BadNameError(name, "it leads out of the served directory");
    const stat = await Deno.stat(real);
    if (!stat.isFile) throw new Deno.errors.NotFound(`${name} is not a regular file`);
    return { path: real, size: stat.size, mtime: stat.mtime };
  }

  /** Every regular file under the root, sorted by name; links are not followed. */
  async list(): Promise<RootEntry[]> {
    const found: RootEntry[] = [];
    const walk = async (dir: string, prefix: string) => {
      for await (const entry of Deno.readDir(dir)) {
        if (entry.name.startsWith(".jumpstarter-upload-")) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory) await walk(path, `${prefix}${entry.name}/`);
        else if (entry.isFile) {
          const stat = await Deno.lstat(path);
          found.push({
            name: `${prefix}${entry.name}`,
            size: stat.size,
            modified: (stat.mtime ?? new Date(0)).toISOString(),
          });
        }
      }
    };
    await walk(this.dir, "");
    return found.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  /**
   * A new temporary file beside where `name` goes (its folders made), and
   * `commit()` to rename it into place; `abort()` removes it.
   */
  async create(name: string): Promise<Upload> {
    const segments = nameSegments(name);
    const folder = join(this.dir, ...segments.slice(0, -1));
    await Deno.mkdir(folder, { recursive: true });
    const realFolder = await Deno.realPath(folder);
    if (!this.#inside(realFolder)) {
      throw new BadNameError(name, "its folder leads out of the served directory");
    }
    const target = join(realFolder, segments.at(-1)!);
    const temp = join(realFolder, `.jumpstarter-upload-${crypto.randomUUID()}`);
    const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
    return new Upload(segments.join("/"), file, temp, target);
  }

  /** Writes `source` to `name`, replacing it only when every byte arrived. */
  async put(
    name: string,
    source: ReadableStream<Uint8Array>,
    limit = Infinity,
  ): Promise<PutResult> {
    const upload = await this.create(name).catch(async (error) => {
      await source.cancel(error).catch(() => {});
      throw error;
    });
    try {
      for await (const chunk of source) {
        if (upload.size + chunk.byteLength > limit) {
          throw new RangeError(`${name} is larger than the ${limit} bytes this server accepts`);
        }
        await upload.write(chunk);
      }
      return await upload.commit();
    } catch (error) {
      await upload.abort();
      await source.cancel(error).catch(() => {});
      throw error;
    }
  }

  /** Removes the file `name` (not a folder; a link itself, never its target). */
  async remove(name: string): Promise<void> {
    const segments = nameSegments(name);
    const folder = await Deno.realPath(join(this.dir, ...segments.slice(0, -1)));
    if (!this.#inside(folder)) throw new BadNameError(name, "it leads out of the served directory");
    const path = join(folder, segments.at(-1)!);
    const stat = await Deno.lstat(path);
    if (stat.isDirectory) throw new BadNameError(name, "it is a folder, not a file");
    await Deno.remove(path);
  }
}

/** A file being written into the root. */
export class Upload {
  size = 0;
  readonly #hash = createHash("sha256");

  constructor(
    readonly name: string,
    readonly file: Deno.FsFile,
    readonly temp: string,
    readonly target: string,
  ) {}

  /** Appends `chunk`. */
  async write(chunk: Uint8Array): Promise<void> {
    let done = 0;
    while (done < chunk.byteLength) done += await this.file.write(chunk.subarray(done));
    this.#hash.update(chunk);
    this.size += chunk.byteLength;
  }

  /** Closes the file and renames it into place. */
  async commit(): Promise<PutResult> {
    this.file.close();
    await Deno.rename(this.temp, this.target);
    return { name: this.name, size: this.size, sha256: this.#hash.digest("hex") };
  }

  /** Closes and removes the temporary file. */
  async abort(): Promise<void> {
    try {
      this.file.close();
    } catch {
      // already closed
    }
    await Deno.remove(this.temp).catch(() => {});
  }
}
