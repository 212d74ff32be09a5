/**
 * Replacing a file target with its completed temporary file: a rename that
 * keeps the replaced image as the spare, or frees it without making the
 * flash wait.
 *
 * @module
 */

/**
 * Renames `temp` over `path`. The replaced image keeps a second name, which
 * becomes `spare` when one is given, before this returns (the next flash
 * must find the spare as this one left it). Otherwise, or when that fails,
 * the second name is unlinked in the background: freeing a large file's
 * blocks and cached pages takes about as long as writing a tenth of it, and
 * the caller should not wait for it. Without hard links (vfat) it is a
 * plain rename.
 */
export async function replaceFile(temp: string, path: string, spare?: string): Promise<void> {
  const old = `${temp}.replaced`;
  let linked = false;
  try {
    await Deno.link(path, old);
    linked = true;
  } catch {
    // No previous image, or a file system without hard links.
  }
  try {
    await Deno.rename(temp, path);
  } catch (error) {
    if (linked) Deno.remove(old).catch(() => {});
    throw error;
  }
  if (!linked) return;
  const free = () => Deno.remove(old).catch(() => {});
  if (spare === undefined) return void free();
  await Deno.rename(old, spare).catch(free);
}
