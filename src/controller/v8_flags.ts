/**
 * The V8 flags the controller runs with: in `controller.ts`'s shebang, baked
 * into the compiled `controller` by `deno task compile`, and used by the
 * benchmarks that start one. A controller holds one HTTP/2 connection per
 * exporter; with V8's default heap growth (up to 4× the live heap after a
 * collection, and young generations up to 3 × 16 MB) one holding 30,000
 * exporters reached 1.2 to 1.5 GB of RSS for about 450 MB of live data. A
 * heap grown by 25% at a time and 4 MB semi-spaces keep it at 0.85 to
 * 0.9 GB for 2 to 3% more of a core (docs/performance.md). These are heap
 * sizing flags only: the compilers are untouched (`--optimize-for-size`,
 * which also saves the memory, changes what they do too).
 *
 * @module
 */
export const CONTROLLER_V8_FLAGS = "--v8-flags=--heap-growing-percent=25,--max-semi-space-size=4";
