/**
 * The store `controller serve` and `controller admin` work on, opened from
 * their flags: `--store` (etcd, with its TLS and user flags), else the
 * embedded store in `--data-dir`.
 *
 * @module
 */
import { openStore, type StoreOptions } from "../controller/store/open.ts";
import type { SqliteKv } from "../controller/store/sqlite.ts";
import type { EtcdKv } from "../controller/store/etcd_kv.ts";
import { UsageError } from "./run.ts";

/** The store flags `serve` and `admin` share. */
export interface StoreFlags {
  dataDir?: string;
  store?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
  /** Make the data dir when it does not exist (else a missing one is refused). */
  create?: boolean;
}

/** Refuses a `--data-dir` that does not exist unless `--create` asks for a new store. */
export async function checkDataDir(flags: StoreFlags): Promise<void> {
  if (flags.store || !flags.dataDir || flags.create) return;
  const isDir = await Deno.stat(flags.dataDir).then((info) => info.isDirectory, () => false);
  if (!isDir) {
    throw new UsageError(
      `Data dir "${flags.dataDir}" does not exist: check the path, or give --create to make a new controller store there`,
    );
  }
}

/** The store the flags name: `--store` (etcd or sqlite), else the data dir. */
export async function openConfiguredStore(flags: StoreFlags): Promise<SqliteKv | EtcdKv> {
  const spec = flags.store ?? flags.dataDir;
  if (!spec) {
    throw new UsageError("Give --data-dir DIR (embedded store) or --store etcd://HOST:PORT");
  }
  await checkDataDir(flags);
  const tls = flags.etcdCa || flags.etcdCert || flags.etcdKey
    ? { ca: flags.etcdCa, cert: flags.etcdCert, key: flags.etcdKey }
    : undefined;
  const auth = flags.etcdUser
    ? { username: flags.etcdUser, password: Deno.env.get("JUMPSTARTER_ETCD_PASSWORD") ?? "" }
    : undefined;
  return await openStore(spec, { etcd: { tls, auth } as StoreOptions["etcd"] });
}
