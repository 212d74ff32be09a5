/**
 * Private temporary folders (mode 0700) named after the process that owns
 * them: `jumpstarter-KIND-PID-XXXX`. A process that dies without removing
 * its folder (SIGKILL) leaves it behind; the next one made by this user
 * removes the folders whose owner is no longer running, so nothing piles up.
 *
 * @module
 */
import { join } from "node:path";

const OWNED = /^jumpstarter-[a-z]+-(\d+)-/;

/** Makes `$TMPDIR/jumpstarter-KIND-PID-XXXX` (mode 0700), first removing those of dead owners. */
export async function makeOwnedTempDir(kind: string): Promise<string> {
  await sweepDeadOwners();
  const dir = await Deno.makeTempDir({ prefix: `jumpstarter-${kind}-${Deno.pid}-` });
  await Deno.chmod(dir, 0o700);
  return dir;
}

/** Removes this user's owned temp folders whose process is gone (Linux: looked up in /proc). */
export async function sweepDeadOwners(): Promise<void> {
  if (!exists("/proc/self")) return;
  const root = Deno.env.get("TMPDIR") || "/tmp";
  const uid = Deno.uid();
  try {
    for await (const entry of Deno.readDir(root)) {
      const pid = Number(entry.name.match(OWNED)?.[1]);
      if (!entry.isDirectory || !pid || pid === Deno.pid || exists(`/proc/${pid}`)) continue;
      const path = join(root, entry.name);
      const info = await Deno.lstat(path).catch(() => undefined);
      if (!info || info.uid !== uid) continue;
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  } catch {
    // An unreadable temp root only means nothing is swept.
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
