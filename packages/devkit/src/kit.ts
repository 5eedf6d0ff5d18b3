import { EXIT, type Command } from '@api-server/cli';
import { registerCommand } from './register.js';
import { devCommand, devHelp } from './up.js';

const SUBCOMMANDS: Record<string, Command> = { up: devCommand, register: registerCommand };

/**
 * The developer kit as one command: `apictl-dev [up|register] ...` and, from a
 * checkout, `apictl dev [up|register] ...`. No subcommand is `up`.
 */
export const devkitCommand: Command = {
  name: 'dev',
  summary: devCommand.summary,
  help: devHelp,
  async run(argv, io) {
    const [first, ...rest] = argv;
    if (first === 'help') {
      io.out((rest[0] && SUBCOMMANDS[rest[0]]?.help) || devHelp);
      return EXIT.ok;
    }
    // Anything else is `up`'s: flags, or a config repository (a typo there is reported as a missing directory).
    const sub = first ? SUBCOMMANDS[first] : undefined;
    const [command, args] = sub ? [sub, rest] : [devCommand, argv];
    if (args.includes('--help') || args.includes('-h')) {
      io.out(command.help);
      return EXIT.ok;
    }
    return command.run(args, io);
  },
};
