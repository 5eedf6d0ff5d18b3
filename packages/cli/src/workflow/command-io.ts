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

export interface Command {
  help: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

export const processIo: CommandIo = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  errRaw: (s) => process.stderr.write(s),
  stderrIsTty: process.stderr.isTTY === true,
};

/** A failure of a command: the message (and code), exit 2 for usage, 1 otherwise. */
export function failure(command: string, err: unknown, io: CommandIo): number {
  if (err instanceof UsageError) {
    io.err(`apictl ${command}: ${err.message}\nRun "apictl ${command} --help" for usage.`);
    return 2;
  }
  const code = err instanceof PipelineError ? ` [${err.code}]` : '';
  io.err(`apictl ${command}: ${(err as Error).message ?? String(err)}${code}`);
  return 1;
}
