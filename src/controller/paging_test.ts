import assert from "node:assert/strict";
import { MAX_PAGE_SIZE, pageOf } from "./paging.ts";

const names = ["c", "a", "e", "b", "d"];
const id = (s: string) => s;

Deno.test("pageOf() pages in name order and ends with an empty token", () => {
  const first = pageOf(names, id, 2, "");
  assert.deepEqual(first.page, ["a", "b"]);
  const second = pageOf(names, id, 2, first.nextPageToken);
  assert.deepEqual(second.page, ["c", "d"]);
  const third = pageOf(names, id, 2, second.nextPageToken);
  assert.deepEqual(third, { page: ["e"], nextPageToken: "" });
  assert.deepEqual(pageOf(names, id, 0, ""), {
    page: ["a", "b", "c", "d", "e"],
    nextPageToken: "",
  });
});

Deno.test("pageOf() keeps its place when items come and go between pages", () => {
  const first = pageOf(names, id, 2, "");
  const changed = ["a", "aa", "c", "d", "e"]; // "b" gone, "aa" added before the boundary
  assert.deepEqual(pageOf(changed, id, 2, first.nextPageToken).page, ["c", "d"]);
});

Deno.test("pageOf() caps a page and refuses a token it did not make", () => {
  const many = Array.from({ length: MAX_PAGE_SIZE + 5 }, (_, i) => String(i).padStart(5, "0"));
  assert.equal(pageOf(many, id, 5000, "").page.length, MAX_PAGE_SIZE);
  assert.throws(() => pageOf(names, id, 2, "bm9wZQ"), {
    name: "TypeError",
    message: 'Invalid page_token "bm9wZQ": pass back the next_page_token of the previous page',
  });
  assert.throws(() => pageOf(names, id, -1, ""), /Invalid page_size -1/);
});
