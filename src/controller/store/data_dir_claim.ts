/**
 * One serving controller per data directory: `controller serve` claims the
 * directory with a pid file (`controller.pid`, mode 0600) and refuses one that
 * a live controller process holds. A claim left by a process that is gone is
 * taken over. `controller admin` does not claim: it works beside the server.
 *
 * @module
 */

/** True when a process with this pid exists on this host. */
function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Claims `dir` for this process; returns how to let it go. Throws a
 * `TypeError` naming the holder when a live controller has it.
 */
export async function claimDataDir(dir: string): Promise<() => void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = `${dir}/controller.pid`;
  const mine = `${Deno.pid}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await Deno.writeTextFile(path, mine, { createNew: true, mode: 0o600 });
      return () => {
        try {
          if (Deno.readTextFileSync(path) === mine) Deno.removeSync(path);
        } catch { /* gone already */ }
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const holder = Number((await Deno.readTextFile(path).catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== Deno.pid && alive(holder)) {
      throw new TypeError(
        `Data dir "${dir}" is in use by the controller with pid ${holder}: stop it first, or share state between controllers with --store etcd://...`,
      );
    }
    await Deno.remove(path).catch(() => {});
  }
  throw new TypeError(`Cannot claim data dir "${dir}": another controller keeps claiming it`);
}
