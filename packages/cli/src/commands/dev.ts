import { EXIT, type Command } from '../workflow/command-io.js';

/**
 * Where the developer kit's entry may sit relative to this file: in a checkout,
 * packages/cli/dist/commands -> packages/devkit/dist; in the installed bundle
 * (node_modules/@api-server/cli/dist/apictl.js) -> node_modules/@api-server/devkit/dist.
 */
const DEVKIT_ENTRIES = ['../../../devkit/dist/index.js', '../../devkit/dist/index.js'].map((p) => new URL(p, import.meta.url));

const devHelp = `apictl dev [options]

Runs the whole pod locally from a checkout of this repository and publishes every
edit of templates/ to it. Part of the developer kit (@api-server/devkit, its own bin
"apictl-dev"), not of the installed apictl: from a checkout run "scripts/dev.sh" or
"pnpm exec apictl-dev --help". "apictl dev" forwards there when the devkit sits
beside this CLI.`;

/** `apictl dev`: forwards to the devkit when it is installed next to the CLI, else says where it lives. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'run the pod locally and publish template edits to it (developer kit)',
  help: devHelp,
  async run(argv, io) {
    let devkit: { devkitCommand: Command } | undefined;
    for (const entry of DEVKIT_ENTRIES) {
      try {
        devkit = (await import(entry.href)) as { devkitCommand: Command };
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
      }
    }
    if (!devkit) {
      io.err(`apictl dev: the developer kit is not installed here (looked for ${DEVKIT_ENTRIES.map((e) => e.pathname).join(', ')}).\nIt runs from a checkout of the api-server repository: scripts/dev.sh, or "pnpm build && pnpm exec apictl-dev".`);
      return EXIT.failure;
    }
    return devkit.devkitCommand.run(argv, io);
  },
};
