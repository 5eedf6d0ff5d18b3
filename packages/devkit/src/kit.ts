import { EXIT, type Command } from '@api-server/cli';
import { registerCommand } from './register.js';
import { devCommand, devHelp } from './up.js';

const SUBCOMMANDS: Record<string, Command> = { up: devCommand, register: registerCommand };

/**
 * The developer kit as one command: `apictl-dev [up|register] ...` and, from a
 * checkout, `apictl dev [up|register] ...`. No subcommand (or a flag first) is `up`.
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
    const sub = first ? SUBCOMMANDS[first] : undefined;
    if (first && !first.startsWith('-') && !sub) {
      io.err(`apictl-dev: unknown command "${first}" (up, register)\n\n${devHelp}`);
      return EXIT.usage;
    }
    const [command, args] = sub ? [sub, rest] : [devCommand, argv];
    if (args.includes('--help') || args.includes('-h')) {
      io.out(command.help);
      return EXIT.ok;
    }
    return command.run(args, io);
  },
};
