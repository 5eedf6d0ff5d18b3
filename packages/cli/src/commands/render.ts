import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { failure, type Command } from '../workflow/command-io.js';
import { formatText, hasErrors, rebase } from '../workflow/diagnostics.js';
import { dataFromOptions, dataOptions, UsageError } from '../workflow/options.js';
import { readRepo } from '../workflow/read-repo.js';
import { renderRepo } from '../workflow/render-repo.js';

const renderHelp = `apictl render [DIR] --out OUT (--catalog FILE | --consul ADDR) [options]

Renders the templates in DIR (default ".") exactly as a node would and writes the
result to OUT, to read or to run "haproxy -c -f OUT" by hand. Nothing is written
when a template fails (exit 1). OUT must be empty or absent unless --force.

Options:
  --out DIR            where to write the rendered files
  --force              replace the contents of a non-empty OUT
  --catalog FILE | --consul ADDR | --env NAME=VALUE   as for "apictl validate"

Examples:
  apictl render templates --catalog catalog.yaml --out /tmp/rendered
  apictl render . --consul 127.0.0.1:8500 --out rendered --force`;

export const renderCommand: Command = {
  name: 'render',
  summary: 'render a template tree to a directory',
  help: renderHelp,
  async run(argv, io) {
    try {
      const { values, positionals } = parseArgs({ args: argv, options: { ...dataOptions, out: { type: 'string' }, force: { type: 'boolean', default: false } }, allowPositionals: true });
      if (!values.out) throw new UsageError('--out DIR is required');
      const out = resolve(values.out);
      const { data, renderEnv } = await dataFromOptions(values);
      const repo = await readRepo(resolve(positionals[0] ?? '.'));
      const render = await renderRepo(repo.files, data, renderEnv);
      const diagnostics = [...repo.diagnostics, ...render.diagnostics];
      if (hasErrors(diagnostics)) {
        io.err(formatText(rebase(diagnostics, positionals[0] ?? '.')));
        io.err('apictl render: nothing written');
        return 1;
      }
      const existing = await readdir(out).catch(() => [] as string[]);
      if (existing.length > 0) {
        if (!values.force) throw new UsageError(`--out ${values.out} is not empty (use --force to replace its contents)`);
        await rm(out, { recursive: true, force: true });
      }
      for (const f of render.result.files) {
        await mkdir(dirname(join(out, f.path)), { recursive: true });
        await writeFile(join(out, f.path), f.data);
      }
      io.err(`apictl render: ${render.result.files.length} files written to ${out}`);
      return 0;
    } catch (err) {
      return failure('render', err, io);
    }
  },
};
