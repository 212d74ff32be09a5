/**
 * The storage target on the exporter host: what kind of thing its path is
 * (a file, a device, or nothing yet) and how many bytes a device holds.
 *
 * @module
 */
import { FailedPreconditionError } from "../../src/driver/errors.ts";

/** What kind of target a path is. */
export type TargetKind = "file" | "device" | "missing";

/** The kind of `path` (a missing path is written as a new file). */
export async function targetKind(path: string): Promise<TargetKind> {
  try {
    const info = await Deno.stat(path);
    if (info.isBlockDevice || info.isCharDevice) return "device";
    if (info.isFile) return "file";
    throw new FailedPreconditionError(`Storage target "${path}" is neither a file nor a device`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}

/** Bytes a device holds (stat reports 0 for block devices, so seek to the end). */
export async function deviceSize(path: string): Promise<number> {
  using file = await Deno.open(path, { read: true });
  return await file.seek(0, Deno.SeekMode.End);
}
