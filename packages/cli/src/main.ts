#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { dev, devHelp } from './commands/dev.js';
import { status, statusHelp } from './commands/status.js';
import { completionCommand } from './commands/completion.js';
import { diffCommand } from './commands/diff.js';
import { geoipMapCommand } from './commands/geoip-map.js';
import { publishCommand } from './commands/publish.js';
import { releasesCommand } from './commands/releases.js';
import { renderCommand } from './commands/render.js';
import { rollbackCommand } from './commands/rollback.js';
import { validateCommand } from './commands/validate.js';
import { processIo, type Command } from './workflow/command-io.js';

const print = (s: string) => process.stdout.write(`${s}\n`);

const commands: Record<string, { help: string; run: (argv: string[]) => Promise<number> }> = {
  dev: {
    help: devHelp,
    run: async (argv) => {
      const { values } = parseArgs({
        args: argv,
        options: { 'work-dir': { type: 'string' }, 'http-port': { type: 'string' }, 'free-ports': { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
      });
      const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
      if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort > 0 && httpPort < 65536)) throw new Error(`--http-port: expected a port number, got "${values['http-port']}"`);
      return dev({ workDir: values['work-dir'], httpPort, freePorts: values['free-ports'] ?? false, quiet: values.quiet ?? false }, print);
    },
  },
  status: {
    help: statusHelp,
    run: async (argv) => {
      const { values } = parseArgs({
        args: argv,
        options: { 'shared-dir': { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      return status({ sharedDir: values['shared-dir'] ?? process.env.SHARED_DIR ?? '/shared', json: values.json ?? false }, print);
    },
  },
  ...workflow({
    validate: validateCommand,
    render: renderCommand,
    diff: diffCommand,
    publish: publishCommand,
    releases: releasesCommand,
    rollback: rollbackCommand,
    completion: completionCommand,
    'geoip-map': geoipMapCommand,
  }),
};

/** The config-repository workflow commands (issue 6): they write through CommandIo. */
function workflow(list: Record<string, Command>): Record<string, { help: string; run: (argv: string[]) => Promise<number> }> {
  return Object.fromEntries(Object.entries(list).map(([name, c]) => [name, { help: c.help, run: (argv: string[]) => c.run(argv, processIo) }]));
}

const usage = `apictl: operate the API server's routing pipeline

Commands:
${Object.values(commands)
  .map((c) => `  ${c.help.split('\n')[0]}`)
  .join('\n')}

Run "apictl <command> --help" for details and examples.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`apictl: unknown command "${name}"\n\n${usage}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    process.stderr.write(`apictl ${name}: ${(err as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
