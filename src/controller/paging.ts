/**
 * `page_size` / `page_token` of the List calls: items in a stable order (by
 * resource name), a page of at most `page_size` (0: all, as an unpaged
 * call), and a token naming the last item given, so a page boundary holds
 * when items are added or removed in between.
 *
 * @module
 */

/** The largest page one call returns, whatever it asks for. */
export const MAX_PAGE_SIZE = 1000;

const PREFIX = "after:";

function encode(key: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(PREFIX + key)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decode(token: string): string {
  let text: string;
  try {
    const binary = atob(token.replaceAll("-", "+").replaceAll("_", "/"));
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    text = "";
  }
  if (!text.startsWith(PREFIX)) {
    throw new TypeError(
      `Invalid page_token "${
        token.slice(0, 40)
      }": pass back the next_page_token of the previous page`,
    );
  }
  return text.slice(PREFIX.length);
}

/** One page of `items` (sorted here by `key`) and the token of the next one ("" at the end). */
export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  pageSize: number,
  pageToken: string,
): { page: T[]; nextPageToken: string } {
  if (pageSize < 0) throw new TypeError(`Invalid page_size ${pageSize}: use 0 (all) or more`);
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const after = pageToken ? decode(pageToken) : undefined;
  const rest = after === undefined ? sorted : sorted.filter((item) => key(item) > after);
  const size = pageSize === 0 ? MAX_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
  const page = rest.slice(0, size);
  const more = rest.length > page.length;
  return { page, nextPageToken: more ? encode(key(page[page.length - 1])) : "" };
}
