/**
 * `openDataDir`: the embedded store of a controller's data directory.
 *
 * @module
 */
import { SqliteKv } from "./sqlite.ts";

/** Opens (creating if needed) the store of a data directory. */
export async function openDataDir(dir: string): Promise<SqliteKv> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  return new SqliteKv(`${dir}/controller.db`);
}
