import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, failure, UsageError, type Command } from '@api-server/cli';
import { bannerLines } from './banner.js';
import { DevPod, defaultWorkDir } from './dev-pod.js';
import type { PublishResult } from './template-publisher.js';

export const devHelp = `apictl-dev [up] [REPO] [--templates DIR] [--work-dir DIR] [--http-port N] [--free-ports] [--quiet]
apictl-dev register NAME PORT [--id ID] [--work-dir DIR]

Runs the whole pod locally from its own manifest (deploy/k8s): each container's command,
environment and volume mounts as local processes, beside embedded defaults (a
consul agent -dev, an s3rver bucket, demo services web and api registered in Consul).
The template tree (default templates/) is published to that S3 as "apictl publish"
would, then watched: every save is validated (errors shown with file:line) and
published; a broken save is not, and the pod keeps serving the last good release.
A busy port fails at once, naming it. Ctrl-C stops everything.

Options:
  REPO              a config repository: its templates/ is served and watched
  --templates DIR   the template tree itself (default: this repository's templates/)
  --work-dir DIR    logs, volumes, dev.json (default .tmp/dev in the repository)
  --http-port N     HTTP on 127.0.0.1:N (default 8080)
  --free-ports      every listen port picked free (tests, or a second pod)
  --quiet           no container output in the terminal (it stays in the logs)

Exit codes: 0 stopped by Ctrl-C, 1 the pod failed (busy port, invalid templates,
not routing), 2 bad usage.

Examples:
  apictl-dev                                   # HTTP on 127.0.0.1:8080
  apictl-dev ../routing --http-port 9080       # a config repository checkout
  curl -H 'Host: web.localhost' http://127.0.0.1:8080/
  apictl-dev register billing 3000             # route "billing" to 127.0.0.1:3000
  apictl status --shared-dir .tmp/dev/containers/haproxy-supervisor/shared`;

/** The repository root, from this file's place in packages/devkit/dist. */
export const repoRoot = () => resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** One line per publish, then what it printed (diagnostics) on failure. */
function publishReport(r: PublishResult): string[] {
  if (r.ok) return [`[templates] published release ${r.id} in ${r.ms} ms; live within a sync interval`];
  return [...r.lines.map((l) => `[templates] ${l}`), `[templates] not published (${r.ms} ms): the pod keeps serving the last good release`];
}

interface UpOptions {
  templates?: string | undefined;
  workDir?: string | undefined;
  httpPort?: number | undefined;
  freePorts: boolean;
  quiet: boolean;
}

async function dev(opts: UpOptions, out: (s: string) => void, err: (s: string) => void = out): Promise<number> {
  const root = repoRoot();
  const workDir = resolve(opts.workDir ?? defaultWorkDir(root));
  out(`starting the pod from ${root}/deploy/k8s (work dir ${workDir}) ...`);
  const pod = await DevPod.start({
    repoRoot: root,
    workDir,
    templatesDir: opts.templates && resolve(opts.templates),
    freePorts: opts.freePorts,
    httpPort: opts.httpPort,
    echo: opts.quiet ? undefined : (container, line) => out(`[${container}] ${line}`),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= pod.stop());
  const done = new Promise<void>((r) => {
    const onSignal = () => void stop().then(r);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    await pod.waitUntilRouting();
  } catch (e) {
    err(`the pod did not start routing: ${(e as Error).message}\nlogs: ${pod.summary.logs}`);
    await stop();
    return EXIT.failure;
  }
  const s = pod.summary;
  out([...bannerLines(s, workDir), `READY ${JSON.stringify({ http: s.http, workDir, consul: s.consul, templates: s.templates })}`].join('\n'));
  await pod.publisher.watch((r) => (r.ok ? out : err)(publishReport(r).join('\n')));
  await done;
  out('pod stopped');
  return EXIT.ok;
}

/** `apictl-dev [up]` (and `apictl dev` in a checkout): the pod, until Ctrl-C. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'run the pod locally from deploy/k8s and publish template edits to it',
  help: devHelp,
  async run(argv, io) {
    try {
      const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          templates: { type: 'string' },
          'work-dir': { type: 'string' },
          'http-port': { type: 'string' },
          'free-ports': { type: 'boolean', default: false },
          quiet: { type: 'boolean', default: false },
        },
      });
      const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
      if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort > 0 && httpPort < 65536)) throw new UsageError(`--http-port: expected a port number, got "${values['http-port']}"`);
      if (positionals.length > 1 || (positionals[0] && values.templates)) throw new UsageError('give one config repository (REPO) or --templates DIR');
      const templates = values.templates ?? (positionals[0] ? join(positionals[0], 'templates') : undefined);
      return await dev({ templates, workDir: values['work-dir'], httpPort, freePorts: values['free-ports'] ?? false, quiet: values.quiet ?? false }, io.out, io.err);
    } catch (e) {
      return failure('dev', e, io);
    }
  },
};
