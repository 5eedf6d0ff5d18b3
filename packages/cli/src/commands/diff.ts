import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { failure, type Command } from '../workflow/command-io.js';
import { formatText, hasErrors, rebase } from '../workflow/diagnostics.js';
import { dataFromOptions, dataOptions, parseFormat, parsePositiveInt } from '../workflow/options.js';
import { readRepo } from '../workflow/read-repo.js';
import { renderRepo, type DataSpec, type RenderEnv } from '../workflow/render-repo.js';
import { diffTrees } from '../workflow/unified-diff.js';

const diffHelp = `apictl diff A B (--catalog FILE | --consul ADDR) [options]

Renders two template directories (say, main and the pull request's branch) against
the same data and prints a unified diff of the generated configuration: what the
change does to HAProxy, not to the templates.

Options:
  --format FORMAT      text (a plain unified diff) or markdown (a summary and a
                       fenced diff block, for a PR comment)
  --context N          lines of context (default 3)
  --exit-code          exit 1 when the outputs differ (like git diff --exit-code)
  --catalog FILE | --consul ADDR | --env NAME=VALUE   as for "apictl validate"

Examples:
  git worktree add /tmp/main origin/main
  apictl diff /tmp/main/templates templates --catalog catalog.yaml --format markdown > comment.md`;

async function renderDir(dir: string, data: DataSpec, renderEnv: RenderEnv, io: { err(s: string): void }): Promise<Map<string, string> | null> {
  const repo = await readRepo(resolve(dir));
  const render = await renderRepo(repo.files, data, renderEnv);
  const diagnostics = [...repo.diagnostics, ...render.diagnostics];
  if (hasErrors(diagnostics)) {
    io.err(formatText(rebase(diagnostics, dir)));
    return null;
  }
  return new Map(render.result.files.map((f) => [f.path, Buffer.from(f.data).toString('utf8')]));
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'diff the rendered output of two template trees',
  help: diffHelp,
  async run(argv, io) {
    try {
      const { values, positionals } = parseArgs({
        args: argv,
        options: { ...dataOptions, format: { type: 'string' }, context: { type: 'string' }, 'exit-code': { type: 'boolean', default: false } },
        allowPositionals: true,
      });
      const format = parseFormat(values.format, ['text', 'markdown']) as string;
      const context = parsePositiveInt(values.context, '--context', 3);
      if (positionals.length !== 2) {
        io.err('apictl diff: give two directories, A (before) and B (after)\nRun "apictl diff --help" for usage.');
        return 2;
      }
      const { data, renderEnv } = await dataFromOptions(values);
      const before = await renderDir(positionals[0]!, data, renderEnv, io);
      const after = await renderDir(positionals[1]!, data, renderEnv, io);
      if (!before || !after) return 2;
      const { diff, changed } = diffTrees(before, after, context);
      if (format === 'markdown') {
        io.out(
          changed.length === 0
            ? '**apictl diff**: no change to the generated HAProxy configuration.'
            : `**apictl diff**: ${changed.length} generated file(s) change: ${changed.map((c) => `\`${c}\``).join(', ')}\n\n\`\`\`diff\n${diff.replace(/```/g, '``\u200b`')}\`\`\``,
        );
      } else if (diff) {
        io.out(diff.replace(/\n$/, ''));
      }
      return values['exit-code'] && changed.length > 0 ? 1 : 0;
    } catch (err) {
      return failure('diff', err, io);
    }
  },
};
