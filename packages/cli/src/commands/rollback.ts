import { parseArgs } from 'node:util';
import { openStore, targetOptions } from '../s3/open.js';
import { failure, type Command } from '../workflow/command-io.js';
import { provenance } from '../workflow/provenance.js';
import { rollbackRelease } from '../workflow/publish.js';

const rollbackHelp = `apictl rollback ID --to s3://BUCKET/PREFIX [--message TEXT] [--author NAME]

Points CURRENT back at release ID (see "apictl releases"); nodes sync it within one
poll. Nothing is uploaded: releases are immutable. Refuses a release whose upload
never finished, and, like publish, refuses if CURRENT changed while it ran.

Examples:
  apictl rollback 3f2a9c41d0b7e815 --to s3://routing/prod -m "billing 5xx after deploy"`;

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'point CURRENT at an earlier release',
  help: rollbackHelp,
  async run(argv, io) {
    try {
      const { values, positionals } = parseArgs({
        args: argv,
        options: { ...targetOptions, message: { type: 'string', short: 'm' }, author: { type: 'string' } },
        allowPositionals: true,
      });
      if (positionals.length !== 1) {
        io.err('apictl rollback: give one release id (see "apictl releases")\nRun "apictl rollback --help" for usage.');
        return 2;
      }
      const id = positionals[0]!;
      const { store, close } = await openStore(values.to);
      try {
        const who = await provenance('.', { author: values.author, commit: undefined, message: values.message ?? `rollback to ${id}` });
        const result = await rollbackRelease(store, id, { ...who, commit: null });
        io.err(
          result.status === 'unchanged'
            ? `apictl rollback: CURRENT already names ${id}; nothing to do`
            : `apictl rollback: CURRENT in ${store.location} now names ${id} (was ${result.previous ?? 'nothing'})`,
        );
        io.out(id);
        return 0;
      } finally {
        close();
      }
    } catch (err) {
      return failure('rollback', err, io);
    }
  },
};
