/**
 * The NOYITO/LCUS USB serial relay protocol: four command bytes per switch
 * (`A0`, channel, state, checksum) and `FF` for a status text such as
 * `CH1:ON\r\nCH2:OFF\r\n`.
 *
 * @module
 */

/** The bytes switching `channel` on or off: `A0 ch st (A0+ch+st)&FF`. */
export function relayCommand(channel: number, on: boolean): Uint8Array {
  const state = on ? 1 : 0;
  return new Uint8Array([0xa0, channel, state, (0xa0 + channel + state) & 0xff]);
}

/** The status query byte. */
export const STATUS_QUERY: Uint8Array = new Uint8Array([0xff]);

/**
 * The channel states in a status answer (`CH1:ON`, `CH2: off`...), keyed by
 * channel number.
 *
 * @example
 * ```ts
 * import { parseRelayStatus } from "./noyito.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRelayStatus("CH1:ON\r\nCH2: OFF\r\n"), new Map([[1, "on"], [2, "off"]]));
 * ```
 */
export function parseRelayStatus(text: string): Map<number, string> {
  const states = new Map<number, string>();
  for (const match of text.matchAll(/CH(\d+)\s*:\s*(\w+)/gi)) {
    states.set(Number(match[1]), match[2].toLowerCase());
  }
  return states;
}
