/**
 * Finding a board's mass-storage volume (a UF2 bootloader's `RPI-RP2`, an
 * ST-Link's `NODE_F401RE`) by the marker files at its root, and copying a
 * firmware file onto it.
 *
 * @module
 */
import { basename, join } from "node:path";
import { UnavailableError } from "../../src/driver/errors.ts";

/** Mount points listed in /proc/mounts (octal escapes undone). */
function mountPoints(): string[] {
  let text = "";
  try {
    text = Deno.readTextFileSync("/proc/mounts");
  } catch {
    return [];
  }
  return text.split("\n").map((line) => line.split(" ")[1]).filter((p) => p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8))));
}

function hasMarker(dir: string, markers: readonly string[]): boolean {
  return markers.some((name) => {
    try {
      return Deno.statSync(join(dir, name)).isFile;
    } catch {
      return false;
    }
  });
}

/** What to look for. */
export interface VolumeQuery {
  /** Files one of which the volume's root holds (`INFO_UF2.TXT`). */
  markers: readonly string[];
  /** The volume's directory, when configured; else every mount point is searched. */
  mount?: string;
  /** The volume's directory name, to choose among several. */
  name?: string;
  /** Seconds to wait for it to appear. */
  wait: number;
  /** How messages name it ("Pico BOOTSEL volume"). */
  what: string;
}

/** The volume's directory; fails in one line when none, or several, are there after `wait`. */
export async function findVolume(query: VolumeQuery): Promise<string> {
  const deadline = performance.now() + query.wait * 1000;
  while (true) {
    const candidates = query.mount === undefined ? mountPoints() : [query.mount];
    const found = candidates.filter((dir) =>
      hasMarker(dir, query.markers) && (query.name === undefined || basename(dir) === query.name)
    );
    if (found.length === 1) return found[0];
    if (found.length > 1) {
      throw new UnavailableError(
        `Several ${query.what}s are mounted (${found.join(", ")}): set volume_name or mount`,
      );
    }
    if (performance.now() >= deadline) {
      const where = query.mount ?? (query.name ? `a mount named ${query.name}` : "any mount point");
      throw new UnavailableError(
        `No ${query.what} found at ${where} within ${query.wait} s (no ${
          query.markers.join(" or ")
        } there): is the board connected, in its bootloader, and its drive mounted?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Copies `bytes` to `dir/name` and syncs it, so the board has all of it before we answer. */
export async function copyToVolume(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const file = await Deno.open(join(dir, name), { write: true, create: true, truncate: true });
  try {
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
    await file.sync();
  } finally {
    file.close();
  }
}
