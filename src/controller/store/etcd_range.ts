/**
 * Reading every key under a prefix from etcd: pages at one revision, a
 * consistent snapshot of any size.
 *
 * @module
 */
import { Buffer } from "node:buffer";
// @ts-types="./_etcd3.d.ts"
import type { IKeyValue, IResponseHeader, KVClient } from "etcd3";

const LIST_PAGE = 1000;

/**
 * Every key-value whose key starts with `prefix`, as `toItem` makes it, in
 * key order; `seen` gets the header of every response.
 */
export async function rangeOfPrefix<T>(
  kv: KVClient,
  prefix: Buffer,
  seen: (header: IResponseHeader) => void,
  toItem: (kv: IKeyValue) => T,
): Promise<T[]> {
  const end = prefixEnd(prefix);
  const items: T[] = [];
  let start = prefix;
  let revision: string | undefined;
  // Pages at one revision: a consistent snapshot of any size.
  for (;;) {
    const res = await kv.range({
      key: start,
      range_end: end,
      limit: LIST_PAGE,
      revision,
    });
    seen(res.header);
    revision ??= res.header.revision;
    for (const item of res.kvs) items.push(toItem(item));
    if (!res.more || res.kvs.length === 0) return items;
    start = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
  }
}

/** The first key after every key that starts with `key`. */
function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
