/**
 * RFC 2217 (serial over Telnet) as pyserial's `rfc2217://host:port` speaks
 * it: Telnet BINARY and SGA both ways, the COM-PORT-OPTION set to the baud
 * rate, 8 data bits, no parity, one stop bit; data bytes 0xFF doubled.
 * `TelnetDecoder` strips the server's commands from what it sends and
 * answers the options this side does not take.
 *
 * @module
 */

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
const BINARY = 0, SGA = 3, COM_PORT_OPTION = 44;
const SET_BAUDRATE = 1, SET_DATASIZE = 2, SET_PARITY = 3, SET_STOPSIZE = 4;
const PARITY_NONE = 1, STOPSIZE_ONE = 1;

/** Options this side asks for and agrees to. */
const OURS = new Set([BINARY, SGA, COM_PORT_OPTION]);

function subnegotiation(command: number, value: number[]): number[] {
  const escaped = value.flatMap((b) => (b === IAC ? [IAC, IAC] : [b]));
  return [IAC, SB, COM_PORT_OPTION, command, ...escaped, IAC, SE];
}

/** What the client sends first: option negotiation and the line settings. */
export function rfc2217Greeting(baudrate: number): Uint8Array {
  const rate = [baudrate >>> 24, (baudrate >>> 16) & 255, (baudrate >>> 8) & 255, baudrate & 255];
  return new Uint8Array([
    IAC,
    WILL,
    BINARY,
    IAC,
    DO,
    BINARY,
    IAC,
    WILL,
    SGA,
    IAC,
    DO,
    SGA,
    IAC,
    WILL,
    COM_PORT_OPTION,
    ...subnegotiation(SET_BAUDRATE, rate),
    ...subnegotiation(SET_DATASIZE, [8]),
    ...subnegotiation(SET_PARITY, [PARITY_NONE]),
    ...subnegotiation(SET_STOPSIZE, [STOPSIZE_ONE]),
  ]);
}

/** Data for the wire: each 0xFF doubled. */
export function escapeIac(data: Uint8Array): Uint8Array {
  if (!data.includes(IAC)) return data;
  const out: number[] = [];
  for (const b of data) out.push(...(b === IAC ? [IAC, IAC] : [b]));
  return new Uint8Array(out);
}

/** Splits what the server sends into data and the replies owed to it; keeps state across chunks. */
export class TelnetDecoder {
  #state: "data" | "iac" | "option" | "sb" | "sb-iac" = "data";
  #verb = 0;

  /** The data bytes in `chunk`, and any replies to send back. */
  decode(chunk: Uint8Array): { data: Uint8Array; reply: Uint8Array } {
    const data: number[] = [];
    const reply: number[] = [];
    for (const b of chunk) {
      switch (this.#state) {
        case "data":
          if (b === IAC) this.#state = "iac";
          else data.push(b);
          break;
        case "iac":
          if (b === IAC) {
            data.push(IAC);
            this.#state = "data";
          } else if (b === SB) this.#state = "sb";
          else if (b === DO || b === DONT || b === WILL || b === WONT) {
            this.#verb = b;
            this.#state = "option";
          } else this.#state = "data"; // NOP, GA and the like
          break;
        case "option":
          if (!OURS.has(b)) {
            if (this.#verb === DO) reply.push(IAC, WONT, b);
            if (this.#verb === WILL) reply.push(IAC, DONT, b);
          }
          this.#state = "data";
          break;
        case "sb": // the server's COM-PORT-OPTION notifications: not data
          if (b === IAC) this.#state = "sb-iac";
          break;
        case "sb-iac":
          this.#state = b === SE ? "data" : "sb";
          break;
      }
    }
    return { data: new Uint8Array(data), reply: new Uint8Array(reply) };
  }
}
