import { parseArgs } from 'node:util';
import { openStore, targetOptions } from '../s3/open.js';
import { failure, type Command } from '../workflow/command-io.js';
import { parsePositiveInt } from '../workflow/options.js';
import { listReleases } from '../workflow/publish.js';

const releasesHelp = `apictl releases --to s3://BUCKET/PREFIX [--limit N] [--json]

Lists the releases under PREFIX, newest first, with the time, author, commit and
message of each; "*" marks the one CURRENT names. Releases whose upload never
finished are listed as incomplete: they were never live and cannot be rolled back to.

Examples:
  apictl releases --to s3://routing/prod
  apictl releases --to s3://routing/prod --json | jq -r '.releases[1].id'`;

export const releasesCommand: Command = {
  name: 'releases',
  summary: 'list the releases in S3 and which one is live',
  help: releasesHelp,
  async run(argv, io) {
    try {
      const { values } = parseArgs({ args: argv, options: { ...targetOptions, limit: { type: 'string' }, json: { type: 'boolean', default: false } } });
      const limit = parsePositiveInt(values.limit, '--limit', 20);
      const { store, close } = await openStore(values.to);
      try {
        const { current, releases } = await listReleases(store, { limit });
        if (values.json) {
          io.out(JSON.stringify({ location: store.location, current, releases }, null, 2));
          return 0;
        }
        if (releases.length === 0) {
          io.err(`apictl releases: no releases in ${store.location}`);
          return 0;
        }
        const rows = releases.map((r) => [
          r.current ? '*' : ' ',
          r.id,
          r.meta?.publishedAt ?? '-',
          r.complete ? (r.meta?.author ?? '-') : 'INCOMPLETE',
          // "+dirty": published from a tree with uncommitted changes; the commit is only its base.
          `${(r.meta?.commit ?? '-').slice(0, 12)}${r.meta?.dirty ? '+dirty' : ''}`,
          r.meta?.message ?? '',
        ]);
        const header = [' ', 'RELEASE', 'PUBLISHED', 'AUTHOR', 'COMMIT', 'MESSAGE'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [header, ...rows]) io.out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
        return 0;
      } finally {
        close();
      }
    } catch (err) {
      return failure('releases', err, io);
    }
  },
};
