import type { Command } from '../workflow/command-io.js';

/** Flags per command, for completion. Kept next to the script it feeds. */
const FLAGS: Record<string, string> = {
  validate: '--catalog --consul --env --format --haproxy-bin --no-haproxy --strict --node-name --node-ip --help',
  render: '--out --force --catalog --consul --env --node-name --node-ip --help',
  diff: '--format --context --exit-code --catalog --consul --env --help',
  publish: '--to --message --author --commit --progress --concurrency --dry-run --catalog --consul --env --format --haproxy-bin --no-haproxy --strict --help',
  releases: '--to --limit --json --help',
  rollback: '--to --message --author --help',
  status: '--shared-dir --json --help',
  dev: 'up register --templates --work-dir --http-port --free-ports --quiet --help',
  completion: 'bash',
  'geoip-map': '--blocks --locations --ranges --only --out --help',
};

/** A bash completion script: commands, their flags, files and directories where a path goes. */
function bashCompletion(): string {
  const cases = Object.entries(FLAGS)
    .map(([cmd, flags]) => `    ${cmd}) flags="${flags}" ;;`)
    .join('\n');
  return `# apictl bash completion. Install: apictl completion bash > /etc/bash_completion.d/apictl
# or: source <(apictl completion bash)
_apictl() {
  local cur prev cmd flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "\$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${Object.keys(FLAGS).join(' ')} help" -- "\$cur") )
    return
  fi
  cmd="\${COMP_WORDS[1]}"
  case "\$prev" in
    --format) COMPREPLY=( $(compgen -W "text json github markdown" -- "\$cur") ); return ;;
    --catalog|--blocks|--locations|--ranges) COMPREPLY=( $(compgen -f -- "\$cur") ); return ;;
    --out|--work-dir|--shared-dir) COMPREPLY=( $(compgen -d -- "\$cur") ); return ;;
  esac
  case "\$cmd" in
${cases}
    *) flags="" ;;
  esac
  if [[ "\$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "\$flags" -- "\$cur") )
  elif [ "\$cmd" = completion ]; then
    COMPREPLY=( $(compgen -W "bash" -- "\$cur") )
  else
    COMPREPLY=( $(compgen -d -- "\$cur") )
  fi
}
complete -F _apictl apictl
`;
}

const completionHelp = `apictl completion bash

Prints a bash completion script for apictl (commands, flags, directories).

Examples:
  source <(apictl completion bash)
  apictl completion bash | sudo tee /etc/bash_completion.d/apictl`;

export const completionCommand: Command = {
  name: 'completion',
  summary: 'print the shell completion script',
  help: completionHelp,
  async run(argv, io) {
    if (argv[0] !== 'bash') {
      io.err(`apictl completion: only "bash" is supported${argv[0] ? `, not "${argv[0]}"` : ''}`);
      return 2;
    }
    io.out(bashCompletion().trimEnd());
    return 0;
  },
};
