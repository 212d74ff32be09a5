/**
 * The store's writes and guards as the ops and compares of an etcd
 * transaction, keys under the store's prefix.
 *
 * @module
 */
import { Buffer } from "node:buffer";
// @ts-types="./_etcd3.d.ts"
import { CompareResult, CompareTarget, type ICompare, type IRequestOp } from "etcd3";
import type { Guard, Write } from "./kv.ts";

/**
 * `writes` as transaction ops, puts bound to `lease` when given. etcd
 * refuses two writes to one key in a transaction; the last one wins, as in
 * SQLite.
 */
export function txnOps(writes: Write[], prefix: string, lease?: string): IRequestOp[] {
  const last = new Map<string, Write>();
  for (const w of writes) {
    const key = "put" in w ? w.put : w.delete;
    last.delete(key);
    last.set(key, w);
  }
  return [...last.values()].map((w): IRequestOp =>
    "put" in w
      ? {
        request_put: {
          key: Buffer.from(prefix + w.put),
          value: Buffer.from(JSON.stringify(w.value)),
          lease,
        },
      }
      : { request_delete_range: { key: Buffer.from(prefix + w.delete) } }
  );
}

/** `guards` as transaction compares: version 0 holds while the key does not exist. */
export function txnCompares(guards: Guard[], prefix: string): ICompare[] {
  return guards.map((g): ICompare =>
    g.version === 0
      ? {
        key: Buffer.from(prefix + g.key),
        target: CompareTarget.Create,
        result: CompareResult.Equal,
        create_revision: "0",
      }
      : {
        key: Buffer.from(prefix + g.key),
        target: CompareTarget.Mod,
        result: CompareResult.Equal,
        mod_revision: String(g.version),
      }
  );
}
