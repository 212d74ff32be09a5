/** openElsewhere() against real files, open in this process and in another one. */
import assert from "node:assert/strict";
import { openElsewhere } from "./open_check.ts";
import { holdOpen } from "../../tests/_fixtures/run.ts";

Deno.test("openElsewhere() sees a file open in this process or another, and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/image.img`;
    await Deno.writeTextFile(path, "an image");
    assert.equal(openElsewhere(path), false);

    const file = await Deno.open(path);
    assert.equal(openElsewhere(path), true, "open in this process");
    file.close();
    assert.equal(openElsewhere(path), false);

    {
      await using _holder = await holdOpen(path);
      assert.equal(openElsewhere(path), true, "open in another process");
    }
    assert.equal(openElsewhere(path), false, "closed again");

    // What the kernel cannot answer for is unknown, never "not open".
    assert.equal(openElsewhere(`${dir}/missing.img`), undefined);
    await Deno.symlink(path, `${dir}/link.img`);
    assert.equal(openElsewhere(`${dir}/link.img`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
