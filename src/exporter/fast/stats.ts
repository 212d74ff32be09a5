/**
 * The counters of a fast channel: what it served so far.
 *
 * @module
 */

/** What the fast channel served so far (tests and benchmarks read it). */
export interface FastStats {
  /** Calls connections (one per client session). */
  sessions: number;
  /** Unary and streaming calls. */
  calls: number;
  /** Byte streams and resources. */
  streams: number;
}
