/**
 * Starting the system tools the video drivers use (ffmpeg, tesseract,
 * ustreamer): a missing binary is one line naming the apt package.
 *
 * @module
 */
import { FailedPreconditionError } from "../../src/driver/errors.ts";

/** Spawns `binary`; if it is not installed, fails with `doing`, the binary and the apt package. */
export function spawnTool(
  binary: string,
  options: Deno.CommandOptions,
  doing: string,
  aptPackages: string,
): Deno.ChildProcess {
  try {
    return new Deno.Command(binary, options).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FailedPreconditionError(
        `${doing}: "${binary}" is not installed; install it with "apt-get install ${aptPackages}"`,
      );
    }
    throw error;
  }
}
