/**
 * Checks the links of the project's Markdown: README.md and every
 * docs/**\/*.md. A relative link must name a file or folder that exists, and
 * an anchor (`file.md#anchor`, `#anchor`) must name a heading of that file
 * (GitHub's slugs: lowercase, spaces to `-`, punctuation other than `-` and
 * `_` dropped, `-1`, `-2`... for repeated headings). Web links (any
 * `scheme:`, e.g. `https://`, `mailto:`) are not followed, and links inside
 * fenced code blocks or inline code are not links.
 *
 *   deno run --allow-read scripts/check_links.ts [FILE.md...]
 *
 * Prints `file:line: broken link TARGET (reason)` for each broken link and
 * exits 1, or one summary line and exits 0.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";

/** One broken link. */
export interface LinkProblem {
  /** The Markdown file, relative to the root. */
  file: string;
  /** 1-based line of the link's target. */
  line: number;
  /** The target as written. */
  target: string;
  reason: string;
}

/** What a check found. */
export interface LinkReport {
  problems: LinkProblem[];
  /** Links looked at, web links included. */
  links: number;
  files: number;
}

/** A link found in a Markdown file. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** `file:line: broken link TARGET (reason)`. */
export function formatProblem(problem: LinkProblem): string {
  return `${problem.file}:${problem.line}: broken link ${problem.target} (${problem.reason})`;
}

/** GitHub's anchor for a heading's text (before de-duplication). */
export function slugify(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML tags
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The lines of `text` with fenced code blocks blanked (line numbers kept) and
 * inline code spans replaced by spaces.
 */
function proseOnly(text: string): string {
  const lines = text.split("\n");
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (fence === undefined) {
      if (open && !(open[1][0] === "`" && lines[i].slice(open[0].length).includes("`"))) {
        fence = open[1];
        lines[i] = "";
      }
    } else {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[i]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) fence = undefined;
      lines[i] = "";
    }
  }
  return blankCodeSpans(lines.join("\n"));
}

/** Replaces inline code spans (not crossing a blank line) by spaces, keeping newlines. */
function blankCodeSpans(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\\" && text[i + 1] === "`") {
      out += "  ";
      i += 2;
      continue;
    }
    if (text[i] !== "`") {
      out += text[i++];
      continue;
    }
    let n = 0;
    while (text[i + n] === "`") n++;
    const ticks = "`".repeat(n);
    let end = -1;
    for (let j = text.indexOf(ticks, i + n); j !== -1; j = text.indexOf(ticks, j + 1)) {
      let run = 0;
      while (text[j + run] === "`") run++;
      if (run === n && text[j - 1] !== "`") {
        end = j;
        break;
      }
      j += run - 1;
    }
    const span = end === -1 ? "" : text.slice(i, end + n);
    if (end === -1 || /\n[ \t]*\n/.test(span)) {
      out += ticks;
      i += n;
      continue;
    }
    out += span.replace(/[^\n]/g, " ");
    i = end + n;
  }
  return out;
}

/** The anchors a Markdown file defines: its headings' slugs and HTML `id`/`name` anchors. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (heading: string) => {
    const slug = slugify(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  };
  const lines = text.split("\n");
  const prose = proseOnly(text).split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (prose[i] === "" && lines[i] !== "") continue; // inside a fenced block
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(lines[i]);
    if (atx) {
      add(atx[1] ?? "");
    } else if (
      i > 0 && /^ {0,3}(=+|-+)[ \t]*$/.test(lines[i]) && lines[i - 1].trim() !== "" &&
      prose[i - 1] !== "" && !/^ {0,3}([#>|]|[-*+] |\d+[.)] |(`{3,}|~{3,}))/.test(lines[i - 1])
    ) {
      add(lines[i - 1].trim()); // setext heading
    }
    for (const html of prose[i].matchAll(/<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']/gi)) {
      anchors.add(html[1]);
    }
  }
  return anchors;
}

const INLINE_LINK = new RegExp(
  String
    .raw`!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)` +
    String.raw`(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)`,
  "g",
);
const DEFINITION = /^ {0,3}\[[^\]]+\]:[ \t]*(<[^>\n]*>|\S+)/gm;

/** The inline links and images `[text](target)` and link definitions `[ref]: target` of a file. */
export function linksOf(text: string): MarkdownLink[] {
  const prose = proseOnly(text);
  const starts = [0];
  for (let i = 0; i < prose.length; i++) if (prose[i] === "\n") starts.push(i + 1);
  const lineAt = (index: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const links: MarkdownLink[] = [];
  for (const pattern of [INLINE_LINK, DEFINITION]) {
    for (const match of prose.matchAll(pattern)) {
      if (match.index > 0 && prose[match.index - 1] === "\\") continue; // \[ is not a link
      const raw = match[1];
      const target = raw.startsWith("<") ? raw.slice(1, -1) : raw;
      links.push({ target, line: lineAt(match.index + match[0].indexOf(raw)) });
    }
  }
  return links.sort((a, b) => a.line - b.line);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Checks the links of `files` (paths, absolute or relative to `root`); a
 * target starting with `/` is taken from `root`, as GitHub does.
 */
export async function checkLinks(files: string[], root = Deno.cwd()): Promise<LinkReport> {
  const texts = new Map<string, string>();
  const anchorCache = new Map<string, Set<string>>();
  const read = async (path: string) => {
    let text = texts.get(path);
    if (text === undefined) {
      text = await Deno.readTextFile(path);
      texts.set(path, text);
    }
    return text;
  };
  const anchorsIn = async (path: string) => {
    let anchors = anchorCache.get(path);
    if (!anchors) {
      anchors = anchorsOf(await read(path));
      anchorCache.set(path, anchors);
    }
    return anchors;
  };
  const problems: LinkProblem[] = [];
  let links = 0;
  for (const file of files) {
    const path = resolve(root, file);
    const shown = relative(root, path) || file;
    for (const { target, line } of linksOf(await read(path))) {
      links++;
      const broken = (reason: string) => problems.push({ file: shown, line, target, reason });
      if (target === "") {
        broken("empty target");
        continue;
      }
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // a web link
      const hash = target.indexOf("#");
      const pathPart = decode((hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, ""));
      const anchor = hash === -1 ? undefined : decode(target.slice(hash + 1));
      let linked = path;
      if (pathPart !== "") {
        linked = pathPart.startsWith("/") ? join(root, pathPart) : resolve(dirname(path), pathPart);
        if (!await exists(linked)) {
          broken(`no such file: ${relative(root, linked) || "."}`);
          continue;
        }
      }
      if (anchor === undefined || !/\.(md|markdown)$/i.test(linked)) continue;
      if (anchor === "") {
        broken("empty anchor");
        continue;
      }
      if (!(await Deno.stat(linked)).isFile) continue;
      const anchors = await anchorsIn(linked);
      if (!anchors.has(anchor) && !anchors.has(anchor.toLowerCase())) {
        broken(`no heading #${anchor} in ${relative(root, linked)}`);
      }
    }
  }
  return { problems, links, files: files.length };
}

/** README.md and every `*.md` under docs/ of `root`, sorted. */
export async function projectMarkdown(root: string): Promise<string[]> {
  const files: string[] = [];
  if (await exists(join(root, "README.md"))) files.push("README.md");
  const walk = async (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(root, dir)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".md")) files.push(path);
    }
  };
  await walk("docs");
  return files;
}

if (import.meta.main) {
  const root = resolve(import.meta.dirname ?? ".", "..");
  const files = Deno.args.length > 0
    ? Deno.args.map((arg) => relative(root, resolve(arg)))
    : await projectMarkdown(root);
  const report = await checkLinks(files, root);
  for (const problem of report.problems) console.error(formatProblem(problem));
  if (report.problems.length > 0) {
    console.error(
      `${report.problems.length} broken of ${report.links} links in ${report.files} files`,
    );
    Deno.exit(1);
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  console.log(`${plural(report.links, "link")} checked in ${plural(report.files, "file")}`);
}
