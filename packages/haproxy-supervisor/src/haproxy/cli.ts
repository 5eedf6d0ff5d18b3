import { connect } from 'node:net';
import { supervisorError } from '../error-codes.js';

/**
 * Characters that would make HAProxy read more than one command from a line: `;`
 * separates commands, a line break ends one, NUL ends the buffer HAProxy parses.
 */
const UNSAFE = /[;\n\r\0]/;

/**
 * Sends one command to an HAProxy CLI socket (master `-S` socket or admin stats
 * socket) and returns everything it answers. A list of commands goes on one line
 * joined with `; ` (2.6 keeps `experimental-mode on` only for the rest of that line).
 *
 * A command holding `;`, CR, LF or NUL is refused (`HAPROXY_CLI_UNSAFE_COMMAND`, nothing
 * sent): callers check their arguments (runtime/grammar.ts), this is the last line of
 * defense against one value becoming a second command.
 *
 * The write side is half-closed after the command: HAProxy 2.6 then closes the
 * connection once the answer is out. Without the half-close the master CLI (and now
 * and then the stats socket) leaves the connection open after a complete answer, and
 * a reader waiting for the close hangs (verified on 2.6.12).
 */
export function cliCommand(socketPath: string, commands: string | readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const list = typeof commands === 'string' ? [commands] : commands;
  const unsafe = list.find((c) => UNSAFE.test(c));
  if (unsafe !== undefined) {
    return Promise.reject(
      supervisorError('HAPROXY_CLI_UNSAFE_COMMAND', `refused to send a command holding ";", a line break or NUL to ${socketPath}: ${JSON.stringify(unsafe.slice(0, 200))}`, {
        context: { socket: socketPath, command: unsafe.slice(0, 200) },
      }),
    );
  }
  const command = list.join('; ');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ path: socketPath, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(supervisorError('HAPROXY_CLI_TIMEOUT', `no complete answer to "${command}" from ${socketPath} within ${timeoutMs} ms`, { context: { socket: socketPath, command } }));
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(supervisorError('HAPROXY_CLI_UNAVAILABLE', `cannot talk to ${socketPath}: ${err.message}`, { cause: err, context: { socket: socketPath, command } }));
    });
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/**
 * Sends `commands` on one line (one connection) and returns each command's answer.
 * HAProxy runs them in order, each whatever the previous one answered. The commands the
 * runtime path batches (`add server`, `set server`, `enable`/`disable`) end every answer
 * with an empty line: `set server` answers just that, `add server` a sentence and then
 * it (verified on 2.6.12). Not every command does (`del server` answers one line with no
 * empty line after it), so a single command's answer is taken whole. An answer that does
 * not split into one part per command is HAPROXY_CLI_ANSWER, and the caller takes the
 * safe path.
 */
export async function cliCommands(socketPath: string, commands: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string[]> {
  const text = await cliCommand(socketPath, commands, opts);
  if (commands.length === 1) return [text];
  const answers = splitAnswers(text, commands.length);
  if (answers) return answers;
  throw supervisorError('HAPROXY_CLI_ANSWER', `could not tell the answers of ${commands.length} commands apart in what ${socketPath} answered`, {
    context: { socket: socketPath, commands: commands.length, answer: text.slice(0, 500) },
  });
}

/** The answers to `count` commands sent on one line, or null when the text does not split into exactly that many. Pure. */
export function splitAnswers(text: string, count: number): string[] | null {
  const out: string[] = [];
  for (let p = 0; p < text.length; ) {
    if (text[p] === '\n') {
      out.push('');
      p++;
      continue;
    }
    const end = text.indexOf('\n\n', p);
    if (end < 0) return null;
    out.push(text.slice(p, end + 1));
    p = end + 2;
  }
  return out.length === count ? out : null;
}
