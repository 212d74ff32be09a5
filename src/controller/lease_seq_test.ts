import assert from "node:assert/strict";
import { nextLeaseSeq } from "./lease_seq.ts";
import { openDataDir } from "./store/data_dir.ts";

Deno.test("nextLeaseSeq() gives 300 concurrent claims of one replica distinct numbers", async () => {
  const dir = await Deno.makeTempDir();
  const store = await openDataDir(dir);
  try {
    const claimed = await Promise.allSettled(
      Array.from({ length: 300 }, () => nextLeaseSeq(store, () => 0)),
    );
    const refused = claimed.filter((c) => c.status === "rejected");
    assert.equal(refused.length, 0, `${refused.length} of 300 claims were refused`);
    const numbers = claimed.map((c) => (c as PromiseFulfilledResult<number>).value);
    assert.equal(new Set(numbers).size, 300);
    assert.deepEqual(numbers.toSorted((a, b) => a - b), numbers.map((_, i) => i + 1));
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
