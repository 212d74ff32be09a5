/**
 * scripts/check_links.ts on Markdown files written to a temporary folder: good
 * links pass, a missing file and a missing heading are reported with their
 * line, and links in code are not links.
 */
import assert from "node:assert/strict";
import {
  anchorsOf,
  checkLinks,
  formatProblem,
  linksOf,
  projectMarkdown,
  slugify,
} from "../scripts/check_links.ts";

async function withTree(
  files: Record<string, string>,
  body: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "check_links_test_" });
  try {
    for (const [path, text] of Object.entries(files)) {
      const full = `${root}/${path}`;
      await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(full, text);
    }
    await body(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const GOOD = {
  "README.md": [
    "# Project",
    "",
    "See [the guide](docs/guide.md), [its set-up](docs/guide.md#set-up-and-run),",
    "[a section here](#local-mode), ![a picture](docs/pic.png), [the docs](docs/),",
    "[the web](https://example.com/missing.md) and [mail](mailto:someone@example.com).",
    "",
    "## Local mode",
    "",
    "[a wrapped",
    "link](docs/guide.md#the-cli-jumpstarter-power-on) and [a ref][guide].",
    "",
    "[guide]: docs/guide.md#set-up-and-run",
    "",
  ].join("\n"),
  "docs/guide.md": [
    "# Guide",
    "",
    "## Set up and run",
    "",
    "## The CLI: `jumpstarter power on`",
    "",
    "Back to [the front page](../README.md#project) or [up](../README.md).",
    "",
  ].join("\n"),
  "docs/pic.png": "not really a picture",
};

Deno.test("checkLinks() passes files whose links and anchors all exist", async () => {
  await withTree(GOOD, async (root) => {
    const files = await projectMarkdown(root);
    assert.deepEqual(files, ["README.md", "docs/guide.md"]);
    const report = await checkLinks(files, root);
    assert.deepEqual(report.problems, []);
    assert.equal(report.files, 2);
    assert.equal(report.links, 11);
  });
});

Deno.test("checkLinks() reports a link to a file that does not exist, with its line", async () => {
  await withTree({
    ...GOOD,
    "docs/guide.md": "# Guide\n\nSee [the API](api.md) and\n[the picture](../img/none.png).\n",
  }, async (root) => {
    const report = await checkLinks(["docs/guide.md"], root);
    assert.deepEqual(report.problems.map(formatProblem), [
      "docs/guide.md:3: broken link api.md (no such file: docs/api.md)",
      "docs/guide.md:4: broken link ../img/none.png (no such file: img/none.png)",
    ]);
  });
});

Deno.test("checkLinks() reports an anchor that names no heading, here or in another file", async () => {
  await withTree({
    ...GOOD,
    "README.md": "# Project\n\n## Set up\n\n[here](#setup) and [there](docs/guide.md#set-up).\n",
  }, async (root) => {
    const report = await checkLinks(["README.md"], root);
    assert.deepEqual(report.problems.map(formatProblem), [
      "README.md:5: broken link #setup (no heading #setup in README.md)",
      "README.md:5: broken link docs/guide.md#set-up (no heading #set-up in docs/guide.md)",
    ]);
  });
});

Deno.test("links and headings inside code are not checked", async () => {
  const text = [
    "# Top",
    "",
    "```md",
    "[broken](nowhere.md)",
    "# Not a heading",
    "```",
    "",
    "`[also not](nowhere.md)` and ~~~ in prose",
    "",
    "~~~",
    "[still code](nowhere.md)",
    "~~~",
    "",
    "[real](#top)",
  ].join("\n");
  assert.deepEqual(linksOf(text), [{ target: "#top", line: 14 }]);
  assert.deepEqual([...anchorsOf(text)], ["top"]);
  await withTree({ "README.md": text }, async (root) => {
    assert.deepEqual((await checkLinks(["README.md"], root)).problems, []);
  });
});

Deno.test("slugify() and anchorsOf() follow GitHub's heading anchors", () => {
  assert.equal(slugify("Set up and run"), "set-up-and-run");
  assert.equal(slugify("The CLI: `jumpstarter power on`"), "the-cli-jumpstarter-power-on");
  assert.equal(
    slugify("High availability: several replicas on etcd"),
    "high-availability-several-replicas-on-etcd",
  );
  assert.equal(slugify("snake_case and dash-ed (v2.0)!"), "snake_case-and-dash-ed-v20");
  assert.equal(slugify("[Linked](x.md) heading"), "linked-heading");
  assert.deepEqual(
    [...anchorsOf('# Notes\n\n## Notes\n\nSetext\n------\n\n<a id="custom"></a>\n')],
    ["notes", "notes-1", "setext", "custom"],
  );
});
