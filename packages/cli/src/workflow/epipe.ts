/**
 * `apictl geoip-map ... | head`: once the reader closes the pipe, further writes fail
 * with EPIPE. That is the reader's choice, not an error: exit quietly with the code
 * the command had so far instead of dying with a stack trace.
 */
export function quietOnEpipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}
