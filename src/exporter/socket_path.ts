/**
 * Where `exporter serve --local` listens by default, and where the CLI looks
 * for such a daemon. Apart from `local.ts` so the CLI can look without
 * loading a server.
 *
 * @module
 */

/** The default socket of a local exporter daemon named `name`. */
export function defaultSocketPath(name = "default"): string {
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  const home = Deno.env.get("HOME") ?? "/tmp";
  const dir = runtime ? `${runtime}/jumpstarter` : `${home}/.local/state/jumpstarter`;
  return `${dir}/${name}.sock`;
}
