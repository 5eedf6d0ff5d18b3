import { PipelineError } from '@api-server/core';
import { UsageError } from './options.js';

/** Where a command writes: stdout for results (ids, diffs, diagnostics), stderr for everything else. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Raw stderr write (progress lines). */
  errRaw(text: string): void;
  stderrIsTty: boolean;
}

/** Exit codes every command keeps (documented in the README). */
export const EXIT = {
  /** Done; for validate: no error. */
  ok: 0,
  /** The command ran and failed: invalid templates, an S3 error, a degraded stage, no state files. */
  failure: 1,
  /** Bad usage: unknown command or flag, a missing or malformed argument. Nothing was done. */
  usage: 2,
} as const;

/** One `apictl` command: what `apictl help`, `apictl <name> --help` and dispatch need. */
export interface Command {
  /** The word after `apictl`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full help: the usage line first, then options and examples. */
  help: string;
  /** Runs with the arguments after the name; resolves to the exit code (see EXIT). */
  run(argv: string[], io: CommandIo): Promise<number>;
}

export const processIo: CommandIo = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  errRaw: (s) => process.stderr.write(s),
  stderrIsTty: process.stderr.isTTY === true,
};

/** node:util parseArgs rejects an unknown flag or a missing value with these codes. */
const isParseArgsError = (err: unknown) => typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('ERR_PARSE_ARGS_');

/** A failure of a command: the message (and code), exit 2 for usage, 1 otherwise. */
export function failure(command: string, err: unknown, io: CommandIo): number {
  if (err instanceof UsageError || isParseArgsError(err)) {
    io.err(`apictl ${command}: ${(err as Error).message}\nRun "apictl ${command} --help" for usage.`);
    return EXIT.usage;
  }
  const code = err instanceof PipelineError ? ` [${err.code}]` : '';
  io.err(`apictl ${command}: ${(err as Error).message ?? String(err)}${code}`);
  return EXIT.failure;
}
