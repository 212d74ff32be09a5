/**
 * The baud rates a Linux terminal accepts and their `Bnnn` speed constants.
 *
 * @module
 */

/** Baud rates with their `Bnnn` constants (Linux, asm-generic/termbits.h). */
const SPEEDS: ReadonlyMap<number, number> = new Map([
  [50, 0o1],
  [75, 0o2],
  [110, 0o3],
  [134, 0o4],
  [150, 0o5],
  [200, 0o6],
  [300, 0o7],
  [600, 0o10],
  [1200, 0o11],
  [1800, 0o12],
  [2400, 0o13],
  [4800, 0o14],
  [9600, 0o15],
  [19200, 0o16],
  [38400, 0o17],
  [57600, 0o10001],
  [115200, 0o10002],
  [230400, 0o10003],
  [460800, 0o10004],
  [500000, 0o10005],
  [576000, 0o10006],
  [921600, 0o10007],
  [1000000, 0o10010],
  [1152000, 0o10011],
  [1500000, 0o10012],
  [2000000, 0o10013],
  [2500000, 0o10014],
  [3000000, 0o10015],
  [3500000, 0o10016],
  [4000000, 0o10017],
]);

/** The baud rates `configureTty()` accepts. */
export const BAUD_RATES: readonly number[] = [...SPEEDS.keys()];

/** Checks a baud rate, or throws a RangeError listing the supported ones. */
export function checkBaudRate(baudrate: number): number {
  if (!SPEEDS.has(baudrate)) {
    throw new RangeError(
      `Unsupported baud rate ${baudrate}: use one of ${BAUD_RATES.join(", ")}`,
    );
  }
  return baudrate;
}

/** The `Bnnn` constant of a supported baud rate; a RangeError for another. */
export function speedConstant(baudrate: number): number {
  return SPEEDS.get(checkBaudRate(baudrate))!;
}

/** The baud rate of a `Bnnn` constant (the constant itself if it is not known). */
export function baudRateOf(constant: number): number {
  return [...SPEEDS].find(([, code]) => code === constant)?.[0] ?? constant;
}
