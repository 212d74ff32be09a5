/**
 * Seeded, bounded fuzzing for the test suite: a small PRNG whose seed is
 * printed (and taken from `FUZZ_SEED` to replay a run), generators of hostile
 * strings, JSON values and mutations, a runner that bounds every case in time,
 * and the check that an error is "one clear error".
 *
 * Every fuzz test asserts the same bar: bad input gets one clear error (a
 * known type or status, a non-empty single-line message, no stack trace, no
 * secret echoed), never a crash or a hang. A case that breaks the bar in a way
 * already reported as a defect is counted under that defect's name (see
 * `FuzzRun.known`) and printed at the end, so the suite stays green while the
 * defect has its own ignored `DEFECT: ...` test; anything else fails the test
 * with the seed, the case number and the input.
 *
 * The suite runs with a fixed seed so that CI is repeatable; `FUZZ_SEED=random`
 * explores new cases. Replaying: the run's seed is printed first; `FUZZ_SEED=n` gives the same
 * cases again, and `FUZZ_CASE=i` with it runs case i alone (each case has its
 * own PRNG, so a case replays alike whatever ran before or beside it).
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** The seed the suite runs with, so CI is repeatable: `FUZZ_SEED=random` explores new cases. */
const SUITE_SEED = 20261204;

/**
 * The seed of this run: `FUZZ_SEED` when set (a number to replay, `random`
 * for a fresh one), else the suite's fixed seed.
 */
export function fuzzSeed(): number {
  const given = Deno.env.get("FUZZ_SEED");
  if (given === "random") return crypto.getRandomValues(new Uint32Array(1))[0];
  if (given === undefined || given === "") return SUITE_SEED;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new TypeError(`FUZZ_SEED must be a whole number >= 0 or "random", got "${given}"`);
  }
  return seed >>> 0;
}

/** A 32-bit hash of a string (FNV-1a), to give each test its own stream from one seed. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Characters and pieces that break parsers: whitespace, controls, unicode, big numbers. */
const HOSTILE = [
  " ",
  "\t",
  "\n",
  "\r\n",
  "\v",
  "\f",
  "\0",
  "\x1b[31m",
  "\x7f",
  "\u00a0",
  "\u2028",
  "\u3000",
  "\ufeff",
  "\u200b",
  "\u202e",
  "\u0301",
  "é",
  "ß",
  "İ",
  "ﬃ",
  "Ω",
  "中文",
  "١٢",
  "𝟘",
  "😀",
  "\ud800",
  "\udfff",
  "%s",
  "%n",
  "${x}",
  "\\",
  '"',
  "'",
  "`",
  "<",
  ">",
  "&",
  "#",
  ":",
  ";",
  "|",
  "*",
  "?",
  "~",
  "-",
  "+",
  ".",
  "..",
  "/",
  "0",
  "00",
  "-0",
  "1e400",
  "0x1f",
  "NaN",
  "Infinity",
  "1000000000000000",
  "9".repeat(40),
  "9".repeat(400),
  "0.000000001",
  "__proto__",
  "constructor",
  "toString",
  "valueOf",
];

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Sets an own property, whatever the key (`__proto__` too: no prototype is changed). */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A JSON value (what the generators make). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Numbers that sit on edges: zero, signs, limits, fractions. */
const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2,
  1e15,
  -1e15,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 64,
];

/** Object keys that JavaScript treats specially, or that the project reads. */
const KEYS = [
  "__proto__",
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "then",
  "kind",
  "uuid",
  "type",
  "config",
  "ref",
  "children",
  "client_stream",
  "",
];

/**
 * A small fast PRNG (sfc32, seeded through splitmix32) with the generators
 * the fuzz tests share. One instance per test: `new Rng(seed, "test name")`.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(readonly seed: number, stream = "") {
    let s = (seed ^ hash32(stream)) >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = split();
    this.#b = split();
    this.#c = split();
    this.#d = split();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) >>> 0;
    return t / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  /** A length: mostly short, sometimes long, rarely huge (up to `huge`). */
  length(huge = 100_000): number {
    const roll = this.next();
    if (roll < 0.75) return this.int(24);
    if (roll < 0.97) return this.between(24, 2000);
    return this.between(2000, huge);
  }

  /**
   * A hostile string: pieces of `alphabet` (the domain's own tokens, like
   * units or operators), letters and digits, and `HOSTILE` pieces.
   */
  string(alphabet: readonly string[] = [], maxLength = this.length()): string {
    const parts: string[] = [];
    let size = 0;
    while (size < maxLength) {
      const roll = this.next();
      const part = roll < 0.4 && alphabet.length > 0
        ? this.pick(alphabet)
        : roll < 0.8
        ? ALNUM[this.int(ALNUM.length)].repeat(this.chance(0.9) ? 1 : this.between(2, 64))
        : this.pick(HOSTILE);
      parts.push(part);
      size += part.length;
    }
    return parts.join("").slice(0, maxLength);
  }

  /** A printable ASCII string without line breaks (what an HTTP header may carry). */
  ascii(maxLength = this.length(4000)): string {
    let out = "";
    for (let i = 0; i < maxLength; i++) out += String.fromCharCode(this.between(0x21, 0x7e));
    return out;
  }

  /** A number, often on an edge. */
  number(): number {
    if (this.chance(0.5)) return this.pick(EDGE_NUMBERS);
    return (this.next() - 0.5) * 10 ** this.between(0, 20);
  }

  /** An object key, often one JavaScript or the project treats specially. */
  key(alphabet: readonly string[] = []): string {
    return this.chance(0.3) ? this.pick(KEYS) : this.string(alphabet, this.between(0, 16));
  }

  /** A random JSON value, `depth` levels deep at most. */
  json(depth = 4, alphabet: readonly string[] = []): Json {
    const roll = this.int(depth > 0 ? 8 : 5);
    switch (roll) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
      case 4:
        return this.string(alphabet, this.length(20_000));
      case 5:
      case 6:
        return Array.from({ length: this.int(6) }, () => this.json(depth - 1, alphabet));
      default: {
        const out: Record<string, Json> = {};
        for (let i = this.int(6); i > 0; i--) {
          setOwn(out, this.key(alphabet), this.json(depth - 1, alphabet));
        }
        return out;
      }
    }
  }

  /**
   * A mutation of `text`: one to four edits (insert a piece, delete, duplicate
   * or swap a span, replace a character, truncate, repeat the whole).
   */
  mutate(text: string, alphabet: readonly string[] = []): string {
    let out = text;
    for (let edits = this.between(1, 4); edits > 0; edits--) {
      const at = this.int(out.length + 1);
      const span = Math.min(out.length - at, this.between(1, 16));
      switch (this.int(8)) {
        case 0:
          out = out.slice(0, at) + this.string(alphabet, this.between(1, 8)) + out.slice(at);
          break;
        case 1:
          out = out.slice(0, at) + out.slice(at + span);
          break;
        case 2:
          out = out.slice(0, at + span) + out.slice(at, at + span) + out.slice(at + span);
          break;
        case 3: {
          const other = this.int(out.length + 1);
          const [x, y] = at < other ? [at, other] : [other, at];
          out = out.slice(0, x) + out.slice(y, y + span) + out.slice(x + span, y) +
            out.slice(x, x + span) + out.slice(y + span);
          break;
        }
        case 4:
          out = out.slice(0, at) + this.pick(HOSTILE) + out.slice(at + 1);
          break;
        case 5:
          out = out.slice(0, at);
          break;
        case 6: {
          // Now and then very long, up to about 100,000 characters.
          const most = Math.max(2, Math.min(200, Math.floor(100_000 / Math.max(1, out.length))));
          out = out.repeat(this.between(2, this.chance(0.97) ? 4 : most));
          break;
        }
        default:
          if (alphabet.length > 0) out = out.slice(0, at) + this.pick(alphabet) + out.slice(at);
      }
    }
    return out;
  }
}

/** What makes a message unclear; undefined when it is one clear line. */
export function unclearMessage(
  message: unknown,
  options: { echoes?: readonly string[]; secrets?: readonly string[] } = {},
): string | undefined {
  if (typeof message !== "string") return `the message is a ${typeof message}, not a string`;
  if (message.trim() === "") return "the message is empty";
  for (const secret of options.secrets ?? []) {
    if (secret.length >= 8 && message.includes(secret)) return "the message echoes a secret";
  }
  if (/^\s+at\s|\bat\s+\S*\s*\(?(?:file|ext|node|npm):[^)\s]*:\d+:\d+/m.test(message)) {
    return "the message holds a stack trace";
  }
  if (message.includes("[object Object]")) return OBJECT_OBJECT;
  if (!/[\r\n]/.test(message)) return undefined;
  // A line break the message echoes from its input is counted apart (`ECHOED_BREAK`): a
  // break in a message whose input had none is the message's own, a failure.
  const echoes = options.echoes ?? [];
  if (echoes.some((echo) => /[\r\n]/.test(echo))) return ECHOED_BREAK;
  return "the message has more than one line";
}

/** The `unclearMessage` verdict for a message that shows a value as "[object Object]". */
export const OBJECT_OBJECT = 'the message shows a value as "[object Object]"';

/** The `unclearMessage` verdict for a message whose only line breaks come from echoed input. */
export const ECHOED_BREAK = "the message echoes a line break of the input";

/** Why an error is not one clear error of the allowed `types`; undefined when it is. */
export function unclearError(
  error: unknown,
  types: readonly (abstract new (...args: never[]) => Error)[],
  options: { echoes?: readonly string[]; secrets?: readonly string[] } = {},
): string | undefined {
  if (!(error instanceof Error)) return `threw a non-Error: ${String(error)}`;
  if (!types.some((type) => error instanceof type)) {
    return `threw ${error.name} (allowed: ${types.map((t) => t.name).join(", ")}): ${
      error.message.slice(0, 300)
    }`;
  }
  return unclearMessage(error.message, options);
}

/**
 * Why an error from a gRPC call is not one clear status of the `allowed`
 * codes; undefined when it is.
 */
export function unclearStatus(
  error: unknown,
  allowed: readonly Code[],
  options: { echoes?: readonly string[]; secrets?: readonly string[] } = {},
): string | undefined {
  if (!(error instanceof ConnectError)) {
    return `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  if (!allowed.includes(error.code)) {
    return `answered ${Code[error.code]} (allowed: ${allowed.map((c) => Code[c]).join(", ")}): ${
      error.rawMessage.slice(0, 300)
    }`;
  }
  return unclearMessage(error.rawMessage, options);
}

/** Every key and string in a document: what an error message may quote from it. */
export function stringsOf(doc: unknown): string[] {
  const out: string[] = [];
  const stack = [doc];
  while (stack.length > 0 && out.length < 10_000) {
    const node = stack.pop();
    if (typeof node === "string") out.push(node);
    else if (typeof node === "object" && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        out.push(key);
        stack.push(value);
      }
    }
  }
  return out;
}

/** Shows an input for a failure message: JSON, cut to `max` characters. */
export function show(input: unknown, max = 400): string {
  let text: string;
  try {
    text = JSON.stringify(input, (_, v) =>
      v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v) ??
      String(input);
  } catch {
    text = String(input);
  }
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

/** Options of `fuzz`. */
export interface FuzzOptions {
  /** How many cases (at least 2,000 for the suite's fuzz tests). */
  cases: number;
  /** Cases run at once (for cases that wait on a server). */
  concurrency?: number;
  /** A case taking longer than this is a hang: the test fails (default 10 s). */
  caseTimeoutMs?: number;
}

/** One case of a run: its own PRNG (so cases replay alike at any concurrency) and its input. */
export interface FuzzCase {
  readonly index: number;
  readonly rng: Rng;
  /** What the case sends, shown when it fails or hangs; set it before sending. */
  input: unknown;
}

/** One fuzz run: what it counted, and failures that name the seed. */
export class FuzzRun {
  /** Outcomes by name (accepted, refused, ...), for the summary line. */
  readonly counts = new Map<string, number>();
  /** Known defects seen: name → how often, and the first input. */
  readonly defects = new Map<string, { count: number; first: string }>();

  constructor(readonly name: string, readonly seed: number) {}

  /** Counts an outcome. */
  count(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  /**
   * Records a case that hit an already reported defect (it has its own
   * ignored `DEFECT: ...` test); the run goes on.
   */
  known(defect: string, input: unknown): void {
    const seen = this.defects.get(defect);
    if (seen) seen.count++;
    else this.defects.set(defect, { count: 1, first: show(input) });
  }

  /**
   * Judges a case by its `problem` (from `unclearError` and the like): none
   * passes, an echoed line break counts as that known defect, anything else
   * fails the test.
   */
  check(at: FuzzCase, problem: string | undefined): void {
    if (problem === ECHOED_BREAK) this.known(ECHOED_BREAK, at.input);
    else if (problem) throw this.fail(at, problem);
  }

  /** A failure naming the seed, the case and its input. */
  fail(at: FuzzCase, problem: string): Error {
    return new Error(
      `fuzz "${this.name}" case ${at.index} (FUZZ_SEED=${this.seed} FUZZ_CASE=${at.index} replays it): ${problem}\ninput: ${
        show(at.input)
      }`,
    );
  }
}

/**
 * Runs `body` for `options.cases` cases, each with a PRNG seeded from the
 * run's seed, the test name and the case number, and each bounded by
 * `caseTimeoutMs`. Prints the seed first and a summary (counts, known
 * defects, time) last. `body` throws (`run.fail(c, problem)`) to fail the
 * test. `FUZZ_CASE=n` runs case n alone.
 */
export async function fuzz(
  name: string,
  options: FuzzOptions,
  body: (run: FuzzRun, c: FuzzCase) => void | Promise<void>,
): Promise<FuzzRun> {
  const run = new FuzzRun(name, fuzzSeed());
  const only = Deno.env.get("FUZZ_CASE");
  const indices = only ? [Number(only)] : Array.from({ length: options.cases }, (_, i) => i);
  console.log(`fuzz "${name}": seed ${run.seed}, ${indices.length} cases (FUZZ_SEED=${run.seed})`);
  const started = performance.now();
  const timeout = options.caseTimeoutMs ?? 10_000;
  let next = 0;
  const worker = async () => {
    while (next < indices.length) {
      const index = indices[next++];
      const at: FuzzCase = { index, rng: new Rng(run.seed, `${name}#${index}`), input: undefined };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(run.fail(at, `no outcome within ${timeout} ms (a hang)`)),
          timeout,
        );
      });
      const began = performance.now();
      try {
        await Promise.race([Promise.resolve().then(() => body(run, at)), hang]);
      } finally {
        clearTimeout(timer);
      }
      // A synchronous case blocks the timer above: measure it instead.
      const took = performance.now() - began;
      if (took > timeout) throw run.fail(at, `took ${Math.round(took)} ms (a hang)`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const counts = [...run.counts].map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(`fuzz "${name}": ${indices.length} cases in ${seconds} s (${counts})`);
  for (const [defect, { count, first }] of run.defects) {
    console.log(`  known DEFECT "${defect}": ${count} cases, first input ${first}`);
  }
  return run;
}
