/**
 * The store `controller serve` and `controller admin` work on, opened from
 * their flags: `--store` (etcd, with its TLS and user flags), else the
 * embedded store in `--data-dir`.
 *
 * @module
 */
import { openStore, type StoreOptions } from "../controller/store/open.ts";
import type { SqliteKv } from "../controller/store/sqlite.ts";
import type { EtcdKv } from "../controller/store/etcd.ts";
import { UsageError } from "./run.ts";

/** The store flags `serve` and `admin` share. */
export interface StoreFlags {
  dataDir?: string;
  store?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
}

/** The store the flags name: `--store` (etcd or sqlite), else the data dir. */
export async function openConfiguredStore(flags: StoreFlags): Promise<SqliteKv | EtcdKv> {
  const spec = flags.store ?? flags.dataDir;
  if (!spec) {
    throw new UsageError("Give --data-dir DIR (embedded store) or --store etcd://HOST:PORT");
  }
  const tls = flags.etcdCa || flags.etcdCert || flags.etcdKey
    ? { ca: flags.etcdCa, cert: flags.etcdCert, key: flags.etcdKey }
    : undefined;
  const auth = flags.etcdUser
    ? { username: flags.etcdUser, password: Deno.env.get("JUMPSTARTER_ETCD_PASSWORD") ?? "" }
    : undefined;
  return await openStore(spec, { etcd: { tls, auth } as StoreOptions["etcd"] });
}
