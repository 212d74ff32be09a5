/**
 * The schema of the SQLite store's file: its tables (`kv`, `meta`), its
 * version, and the migrations that bring an older file forward.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** Schema version of the file; migrations run forward from older files. */
const SCHEMA_VERSION = 1;

/** Creates or upgrades the tables of the store file at `path`; refuses a newer schema. */
export function migrateSchema(db: DatabaseSync, path: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  const current = row ? Number(row.value) : 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `Store "${path}" has schema version ${current}, newer than this controller's ${SCHEMA_VERSION}; upgrade the controller`,
    );
  }
  if (current < 1) {
    db.exec(
      "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL)",
    );
  }
  db.prepare(
    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  ).run(String(SCHEMA_VERSION));
  // Revisions continue above every version already stored.
  db.exec(
    "INSERT INTO meta (key, value) SELECT 'revision', CAST(COALESCE(MAX(version), 0) AS TEXT) FROM kv WHERE true ON CONFLICT(key) DO NOTHING",
  );
}
