/**
 * The dashboard's browser files, served from memory: the pages, script and
 * style written for it, and xterm.js with its fit addon from npm. They are
 * imported as text, so they are part of the module graph and `deno compile`
 * embeds them in the `controller` executable with nothing to build or read
 * at run time.
 *
 * @module
 */
import indexHtml from "./assets/index.html" with { type: "text" };
import boardHtml from "./assets/board.html" with { type: "text" };
import styleCss from "./assets/style.css" with { type: "text" };
import appJs from "./assets/app.js" with { type: "text" };
import exporterListJs from "./assets/exporter_list.js" with { type: "text" };
import selectorJs from "./assets/selector.js" with { type: "text" };
import boardJs from "./assets/board.js" with { type: "text" };
import xtermJs from "@xterm/xterm/lib/xterm.js" with { type: "text" };
import xtermCss from "@xterm/xterm/css/xterm.css" with { type: "text" };
import fitJs from "@xterm/addon-fit/lib/addon-fit.js" with { type: "text" };

/** One file ready to send. */
export interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
};

const sources: Record<string, string> = {
  "index.html": indexHtml,
  "board.html": boardHtml,
  "style.css": styleCss,
  "app.js": appJs,
  "exporter_list.js": exporterListJs,
  "selector.js": selectorJs,
  "board.js": boardJs,
  "xterm.js": xtermJs,
  "xterm.css": xtermCss,
  "addon-fit.js": fitJs,
};

async function load(name: string, text: string): Promise<Asset> {
  const body = new TextEncoder().encode(text);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const etag = `"${
    Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")
  }"`;
  return { body, type: TYPES[name.split(".").pop()!], etag };
}

/** Every asset by file name. */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const entries = await Promise.all(
    Object.entries(sources).map(async ([name, text]) => [name, await load(name, text)] as const),
  );
  return new Map(entries);
}
