/**
 * The CLI commands of video clients, as data: `snapshot -o FILE`, `stream`
 * (a local MJPEG web server until Ctrl-C), `text` (OCR once) and `state`.
 *
 * @module
 */
import type { CommandInput, DriverCommand } from "../../src/client/commands.ts";
import { formatResult, parseNumberOption, stringOption } from "../../src/client/command_values.ts";
import type { JsonValue } from "../../src/driver/json_value.ts";
import { decodeImage, encodeJpeg, encodePng, imageType, type Region } from "./image.ts";
import { serveStream, type StreamSource } from "./stream_server.ts";

/** What the commands use of a `VideoClient`. */
export interface VideoCommandTarget extends StreamSource {
  text(options: { region?: Region; lang?: string }): Promise<string>;
  state(): Promise<unknown>;
}

/** `snapshot`, `stream`, `text` and `state` of `client`. */
export function videoCommands(client: VideoCommandTarget): DriverCommand[] {
  return [
    {
      name: "snapshot",
      description: "Save one frame of the screen to a PNG or JPEG file (by its extension)",
      options: [{
        flags: "-o, --output <file>",
        description: "file to write",
        default: "screen.png",
      }],
      examples: ["-o screen.png", "-o boot.jpg"],
      run: async (input) => {
        const file = stringOption(input, "output")!;
        const saved = convertFor(file, await client.snapshot());
        await Deno.writeFile(file, saved.bytes);
        input.output.out(
          `Saved ${saved.width}x${saved.height} ${saved.type.toUpperCase()} to ${file} (${
            (saved.bytes.length / 1024).toFixed(1)
          } KB)`,
        );
      },
    },
    {
      name: "stream",
      description:
        "Serve the MJPEG stream on a local port until Ctrl-C (/stream, /snapshot, a page at /); prints the URL",
      options: [
        { flags: "--port <port>", description: "local port (0: any free port)", default: "8080" },
        {
          flags: "--address <host>",
          description: "local address to listen on",
          default: "127.0.0.1",
        },
      ],
      examples: ["", "--port 0", "--port 8090 --address 0.0.0.0"],
      run: async (input) => {
        const port = parseNumberOption("--port", stringOption(input, "port")!, { integer: true });
        if (port > 65535) throw new RangeError(`Invalid --port "${port}": use 0 to 65535`);
        const hostname = stringOption(input, "address")!;
        let server;
        try {
          server = serveStream(client, {
            hostname,
            port,
            onError: (error) =>
              input.output.err(`Video stream failed: ${(error as Error).message}`),
          });
        } catch (error) {
          throw new Error(
            `Cannot listen on ${hostname}:${port}: ${
              (error as Error).message
            }; pick another --port (0: any free port)`,
          );
        }
        await serveUntilInterrupted(server, input);
      },
    },
    {
      name: "text",
      description: "Print the text OCR (tesseract) reads on the screen now",
      options: [
        { flags: "--region <x,y,width,height>", description: "read only this part (pixels)" },
        { flags: "--lang <lang>", description: "tesseract language", default: "eng" },
      ],
      examples: ["", "--region 0,0,720,64"],
      run: async (input) => {
        const region = parseRegion(stringOption(input, "region"));
        input.output.out(
          (await client.text({ region, lang: stringOption(input, "lang") })).trimEnd(),
        );
      },
    },
    {
      name: "state",
      description: "Show the source's resolution and frame rate",
      examples: [""],
      run: async ({ output }) => output.out(formatResult((await client.state()) as JsonValue)),
    },
  ];
}

/** `--region x,y,width,height` as a Region. */
export function parseRegion(text: string | undefined): Region | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(",").map((p) => Number(p.trim()));
  if (parts.length !== 4 || !parts.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new RangeError(`Invalid --region "${text}": use x,y,width,height in whole pixels`);
  }
  const [x, y, width, height] = parts;
  return { x, y, width, height };
}

/** The frame in the format the file name asks for (.png, .jpg/.jpeg; else as it came). */
function convertFor(file: string, frame: Uint8Array) {
  const wanted = /\.jpe?g$/i.test(file) ? "jpeg" : /\.png$/i.test(file) ? "png" : imageType(frame);
  const pixels = decodeImage(frame);
  const bytes = wanted === imageType(frame)
    ? frame
    : wanted === "jpeg"
    ? encodeJpeg(pixels)
    : encodePng(pixels);
  return { bytes, type: wanted ?? "png", width: pixels.width, height: pixels.height };
}

async function serveUntilInterrupted(
  server: { url: string; close(): Promise<void> },
  input: CommandInput,
): Promise<void> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => stop = resolve);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    input.output.out(`${server.url}stream`);
    if (input.output.isTerminal) {
      input.output.err("Streaming; open the URL in a browser; Ctrl-C stops");
    }
    await stopped;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await server.close();
  }
}
