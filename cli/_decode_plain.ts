/**
 * A plain `vioscope decode FILE` (at most `--threads N` besides the file) when `cli/main.ts` started
 * its decode workers: the parallel decode with the default options, run without loading the option
 * parser or any other command. Start-up is part of a decode's time: this way the first chunk reaches
 * a worker about 0.1 s sooner, as soon as the worker has loaded.
 *
 * The options are those `vioscope decode` gets from its defaults; a test parses `decode FILE` with
 * the real command and compares.
 *
 * @internal @private
 * @module
 */
import { type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { exitStatus, reportError } from "./_io.ts";
import { parseDecodeAs } from "./_options.ts";
import { decodeInParallel, type ParallelDecodeOptions } from "./_parallel_decode.ts";

/** The option values `vioscope decode` has when only a file is given (its defaults). */
export const PLAIN_DECODE_VALUES: Readonly<CodecOptionValues & { decodeAs: string[]; threads: string }> = {
  decodeAs: [],
  threads: "auto",
  vmsgDialect: "rfc3",
  vmsgFfaVersion: "v2025",
  viommuDialect: "current",
};

/**
 * The parallel decode options of a plain `decode FILE` (see {@linkcode PLAIN_DECODE_VALUES}).
 * @param path The file.
 * @param threads Worker threads.
 * @returns The options.
 */
export async function plainDecodeOptions(path: string, threads: number): Promise<ParallelDecodeOptions> {
  return {
    path,
    threads,
    session: await sessionOptions(PLAIN_DECODE_VALUES),
    input: { decodeAs: parseDecodeAs(PLAIN_DECODE_VALUES.decodeAs) },
    allEvents: false,
    quickStart: true,
  };
}

/**
 * Decodes the file to summary lines on the workers started early.
 * @param path The file.
 * @param threads Workers started.
 * @returns The exit status.
 */
export async function decodePlain(path: string, threads: number): Promise<number> {
  try {
    await decodeInParallel(await plainDecodeOptions(path, threads));
    return exitStatus.code;
  } catch (e) {
    return reportError(e);
  }
}
