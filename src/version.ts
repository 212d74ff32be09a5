/** The toolkit's version, reported by every executable's `--version`. */
export const VERSION = "0.1.0";
