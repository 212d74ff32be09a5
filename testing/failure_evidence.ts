/**
 * What a failing device test reports: the transcripts of the consoles opened
 * on the board, the last frame of each screen the test looked at (saved to a
 * file) and the tail of the exporter's log, gathered while the test runs.
 *
 * @module
 */
import type { DriverClient } from "../src/client/driver_client.ts";
import { GrpcSession } from "../src/client/session.ts";
import type { Console } from "../drivers/serial/console.ts";
import { SerialClient } from "../drivers/serial/client.ts";
import { VideoClient } from "../drivers/video/client.ts";
import { imageSize } from "../drivers/video/image.ts";

/** Records every Console opened through a serial client of the tree. */
export function watchConsoles(node: DriverClient, consoles: Console[]): void {
  if (node instanceof SerialClient) {
    const original = node.open.bind(node);
    node.open = async (...args: Parameters<SerialClient["open"]>) => {
      const console = await original(...args);
      consoles.push(console);
      return console;
    };
  }
  for (const child of node.children.values()) watchConsoles(child, consoles);
}

/** The video clients of the tree (their last frames go into failure reports). */
export function findScreens(node: DriverClient): VideoClient[] {
  const found = node instanceof VideoClient ? [node] : [];
  for (const child of node.children.values()) found.push(...findScreens(child));
  return found;
}

/** Keeps the last `keep` exporter log lines in `lines` until `signal` aborts. */
export async function followLogs(
  root: DriverClient,
  lines: string[],
  keep: number,
  signal: AbortSignal,
): Promise<void> {
  if (!(root.session instanceof GrpcSession)) return;
  try {
    for await (const entry of root.session.exporter.logStream({}, { signal })) {
      lines.push(`${entry.severity} ${entry.operation ?? ""}: ${entry.message}`);
      if (lines.length > keep) lines.shift();
    }
  } catch {
    // The stream ends when the device closes.
  }
}

/** The text added to a failing test's error. */
export function failureReport(
  consoles: Console[],
  logs: string[],
  screens: VideoClient[] = [],
): string {
  const parts: string[] = [];
  consoles.forEach((console, i) => {
    const text = console.transcript.text();
    parts.push(
      `--- console ${i + 1} transcript (last 2 KB) ---\n${text.slice(-2048) || "(nothing)"}`,
    );
  });
  for (const screen of screens) {
    const file = saveFrame(screen);
    if (!file) continue;
    const size = imageSize(screen.lastFrame!);
    parts.push(
      `--- screen "${screen.name}": last frame${
        size ? ` (${size.width}x${size.height})` : ""
      } saved to ${file} ---`,
    );
  }
  parts.push(`--- exporter log (last ${logs.length} lines) ---\n${logs.join("\n") || "(nothing)"}`);
  return parts.join("\n");
}

function saveFrame(screen: VideoClient): string | undefined {
  try {
    return screen.saveLastFrame();
  } catch (error) {
    return `(not saved: ${(error as Error).message})`;
  }
}
