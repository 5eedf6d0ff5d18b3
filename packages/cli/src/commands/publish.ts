import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, targetOptions } from '../s3/open.js';
import { failure, type Command } from '../workflow/command-io.js';
import { formatDiagnostics, hasErrors, rebase } from '../workflow/diagnostics.js';
import { parseFormat, parsePositiveInt } from '../workflow/options.js';
import { progressReporter } from '../workflow/progress.js';
import { provenance } from '../workflow/provenance.js';
import { publishRelease } from '../workflow/publish.js';
import { releaseId } from '../workflow/release.js';
import { runValidation, validateOptions } from './validate.js';

const publishHelp = `apictl publish [DIR] --to s3://BUCKET/PREFIX (--catalog FILE | --consul ADDR) [options]

Validates DIR (default ".") like "apictl validate", then uploads it as a new
immutable release and points CURRENT at it; s3-sync on every node picks it up.
Prints the release id (a hash of the content: the same tree gives the same id) on
stdout. Nothing is uploaded when validation fails (exit 1).

Layout: PREFIX/releases/<id>/<files>, then PREFIX/releases/<id>.json (metadata),
then PREFIX/CURRENT = {"release": "<id>", "author", "commit", "message", ...}.
Files the previous release already has are copied inside S3, not uploaded again;
a re-run after a failure uploads only what is missing. CURRENT is replaced only if
nobody else changed it meanwhile (If-Match, and a re-read for stores that ignore it).

Options:
  --to URL             s3://bucket/prefix (default: $APICTL_TARGET)
  --message TEXT       why (default: the last commit's subject)
  --author NAME        who (default: $GITHUB_ACTOR, the last commit's author, or the user)
  --commit SHA         which commit (default: $GITHUB_SHA or git's HEAD)
  --progress           show upload progress on stderr even without a terminal
  --concurrency N      parallel uploads (default 8)
  --dry-run            validate and print the release id, upload nothing
  --catalog, --consul, --env, --format, --haproxy-bin, --no-haproxy, --strict
                       as for "apictl validate"

Environment: S3_ENDPOINT, S3_FORCE_PATH_STYLE, AWS_REGION and the AWS SDK's
credential variables, as s3-sync reads them.

Examples:
  apictl publish templates --catalog catalog.yaml --to s3://routing/prod
  ID=$(apictl publish templates --catalog catalog.yaml --to s3://routing/prod -m "add billing")`;

export const publishCommand: Command = {
  name: 'publish',
  summary: 'validate and upload a release, then point CURRENT at it',
  help: publishHelp,
  async run(argv, io) {
    try {
      const { values, positionals } = parseArgs({
        args: argv,
        options: {
          ...validateOptions,
          ...targetOptions,
          message: { type: 'string', short: 'm' },
          author: { type: 'string' },
          commit: { type: 'string' },
          progress: { type: 'boolean', default: false },
          concurrency: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
        },
        allowPositionals: true,
      });
      const dir = resolve(positionals[0] ?? '.');
      const format = parseFormat(values.format);
      const concurrency = parsePositiveInt(values.concurrency, '--concurrency', 8);
      // Parse the target before the (slower) validation: a typo fails at once.
      const { store, close } = await openStore(values.to);
      try {
        const report = await runValidation(dir, values);
        const failed = hasErrors(report.diagnostics) || (values.strict && report.diagnostics.length > 0);
        const text = formatDiagnostics(rebase(report.diagnostics, positionals[0] ?? '.'), format);
        if (text && (failed || format !== 'json')) io.err(text);
        if (failed) {
          io.err('apictl publish: validation failed, nothing uploaded');
          return 1;
        }
        if (values['dry-run']) {
          io.out(releaseId(report.templates));
          io.err(`apictl publish: dry run, ${report.templates.length} files valid, nothing uploaded`);
          return 0;
        }
        const who = await provenance(dir, { author: values.author, commit: values.commit, message: values.message });
        if (who.dirty) io.err(`apictl publish: warning: ${positionals[0] ?? '.'} has uncommitted changes; the release records commit ${who.commit ?? '(none)'} with "dirty": true, but its content is not that commit's`);
        const progress = progressReporter({ enabled: io.stderrIsTty || values.progress === true, tty: io.stderrIsTty, write: io.errRaw });
        const outcome = await publishRelease(store, report.templates, who, { concurrency, onProgress: progress.onProgress }).finally(progress.end);
        io.err(
          outcome.status === 'unchanged'
            ? `apictl publish: ${store.location}CURRENT already names release ${outcome.id}; nothing to do`
            : `apictl publish: release ${outcome.id} is live in ${store.location} (previous: ${outcome.previous ?? 'none'}; ${outcome.uploaded} uploaded, ${outcome.copied} copied, ${outcome.skipped} already there)`,
        );
        io.out(outcome.id);
        return 0;
      } finally {
        close();
      }
    } catch (err) {
      return failure('publish', err, io);
    }
  },
};
