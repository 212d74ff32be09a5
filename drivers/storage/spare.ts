/**
 * A file target's spare: the image a flash replaces, kept under a hidden
 * name beside the target (`spareName()`), which the next flash overwrites in
 * place instead of filling a new file: its blocks are already allocated and
 * its pages cached, so there is nothing to allocate, zero or free, and the
 * final fsync has only data to write. The spare is reused only when it has
 * no other name and the kernel says no open file refers to it
 * (`openElsewhere()`), so a process still reading an image that was replaced
 * keeps reading it whole.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { openElsewhere } from "./open_check.ts";

/** The hidden name beside a file target `path` under which its spare is kept. */
export function spareName(path: string): string {
  return `${dirname(path)}/.${basename(path)}.spare`;
}

/** What a flash does with a file target's spare. */
export interface SpareUse {
  /** The spare opened for writing in place, when it can be reused. */
  file?: Deno.FsFile;
  /** Its inode, checked again before it is renamed over the target. */
  ino?: number | null;
  /** Whether the image the flash replaces becomes the next spare. */
  keep: boolean;
}

/**
 * The spare `spare`, opened for writing in place when it can be reused: a
 * regular file with no other name that no open file refers to. A spare that
 * is in use or has other names is left to them (the next spare is renamed
 * over its name). Where the kernel cannot say whether a file is in use (no
 * FFI, no leases), spares could never be reused, so none is kept.
 */
export async function openSpare(spare: string): Promise<SpareUse> {
  const info = await Deno.lstat(spare).catch(() => undefined);
  if (!info?.isFile || info.nlink !== 1) return { keep: true };
  const inUse = openElsewhere(spare);
  if (inUse === undefined) {
    Deno.remove(spare).catch(() => {});
    return { keep: false };
  }
  if (inUse) return { keep: true };
  const file = await Deno.open(spare, { write: true }).catch(() => undefined);
  if (!file) return { keep: true };
  const opened = await file.stat().catch(() => undefined);
  if (opened?.ino === info.ino && opened.nlink === 1) return { file, ino: info.ino, keep: true };
  file.close();
  return { keep: true };
}
