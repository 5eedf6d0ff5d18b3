#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { dev, devHelp } from './commands/dev.js';
import { status, statusHelp } from './commands/status.js';

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
};

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
