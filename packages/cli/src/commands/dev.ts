import { EXIT, type Command } from '../workflow/command-io.js';

/**
 * Where the developer kit's entry sits relative to this file: packages/cli/dist ->
 * packages/devkit/dist in a checkout, and node_modules/@api-server/cli/dist ->
 * node_modules/@api-server/devkit/dist when both are installed side by side.
 */
const DEVKIT_ENTRY = new URL('../../devkit/dist/index.js', import.meta.url);

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
    let devkit: { devCommand: Command };
    try {
      devkit = (await import(DEVKIT_ENTRY.href)) as { devCommand: Command };
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
      io.err(`apictl dev: the developer kit is not installed here (looked for ${DEVKIT_ENTRY.pathname}).\nIt runs from a checkout of the api-server repository: scripts/dev.sh, or "pnpm build && pnpm exec apictl-dev".`);
      return EXIT.failure;
    }
    return devkit.devCommand.run(argv, io);
  },
};
