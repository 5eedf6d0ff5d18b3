import { readFileSync } from 'node:fs';
import { completionCommand } from './commands/completion.js';
import { devCommand } from './commands/dev.js';
import { diffCommand } from './commands/diff.js';
import { geoipMapCommand } from './commands/geoip-map.js';
import { publishCommand } from './commands/publish.js';
import { releasesCommand } from './commands/releases.js';
import { renderCommand } from './commands/render.js';
import { rollbackCommand } from './commands/rollback.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';
import { EXIT, failure, type Command, type CommandIo } from './workflow/command-io.js';

const COMMANDS: readonly Command[] = [validateCommand, renderCommand, diffCommand, publishCommand, releasesCommand, rollbackCommand, statusCommand, devCommand, geoipMapCommand, completionCommand];

/** The package's version: package.json sits one level above dist/ both in a checkout and in the installed bundle. */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const usage = () => `apictl: operate the API server's routing pipeline

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

Run "apictl help <command>" or "apictl <command> --help" for details and examples.
Exit codes: 0 ok, 1 failure (invalid templates, S3 error, degraded stage), 2 bad usage.`;

/** Dispatch: `help [cmd]`, `--version`, `<cmd> --help`, `<cmd> ...`. */
export async function runApictl(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(version());
    return EXIT.ok;
  }
  if (!name) {
    io.err(usage());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !topic) {
      io.err(`apictl help: unknown command "${rest[0]}"\n\n${usage()}`);
      return EXIT.usage;
    }
    io.out(topic ? topic.help : usage());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`apictl: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  if ((rest.includes('--help') || rest.includes('-h')) && command !== devCommand) {
    io.out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return failure(name, err, io);
  }
}
