import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, failure, UsageError, type Command } from '@api-server/cli';
import { DevPod, defaultWorkDir } from './dev-pod.js';

export const devHelp = `apictl-dev [up] [--work-dir DIR] [--http-port N] [--free-ports] [--quiet]

Runs the whole pod locally from its own manifest (deploy/k8s): each container's command,
environment and volume mounts as local processes, beside embedded defaults (a
consul agent -dev, an s3rver bucket seeded from templates/, demo services web and api
registered in Consul). Ctrl-C stops everything.

Examples:
  apictl-dev                       # HTTP on 127.0.0.1:8080
  curl -H 'Host: web.localhost' http://127.0.0.1:8080/
  apictl status --shared-dir .tmp/dev/containers/haproxy-supervisor/shared
  apictl-dev --free-ports --quiet  # every port picked free (tests)`;

/** The repository root, from this file's place in packages/devkit/dist. */
export const repoRoot = () => resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export async function dev(opts: { workDir?: string; httpPort?: number; freePorts: boolean; quiet: boolean }, out: (s: string) => void): Promise<number> {
  const root = repoRoot();
  const workDir = resolve(opts.workDir ?? defaultWorkDir(root));
  out(`starting the pod from ${root}/deploy/k8s (work dir ${workDir}) ...`);
  const pod = await DevPod.start({
    repoRoot: root,
    workDir,
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
  } catch (err) {
    out(`the pod did not start routing: ${(err as Error).message}\nlogs: ${pod.summary.logs}`);
    await stop();
    return 1;
  }
  const s = pod.summary;
  out(
    [
      '',
      'The pod is routing. Try:',
      `  curl -H 'Host: web.localhost' ${s.http}/      # round robin over web-1, web-2`,
      `  curl -H 'Host: api.localhost' ${s.http}/      # api-1`,
      `  curl ${s.http}/api/                             # path prefix route to api`,
      `  open ${s.stats}                                 # HAProxy stats`,
      '',
      `Consul: ${s.consul}   S3: ${s.s3}`,
      `Shared volumes (templates, rendered, live, state, ...): ${s.sharedVolumes}`,
      `Container logs: ${s.logs}`,
      ...Object.entries(s.containers).map(([name, c]) => `  ${name.padEnd(20)} pid ${c.pid}  ${c.metrics ?? ''}`),
      ...s.skipped.map((k) => `  ${k.container.padEnd(20)} not run locally: ${k.reason}`),
      '',
      'Ctrl-C stops the pod.',
      `READY ${JSON.stringify({ http: s.http, workDir })}`,
    ].join('\n'),
  );
  await done;
  out('pod stopped');
  return 0;
}

/** `apictl-dev [up]` (and `apictl dev` in a checkout): the pod, until Ctrl-C. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'run the pod locally from deploy/k8s',
  help: devHelp,
  async run(argv, io) {
    try {
      const { values } = parseArgs({
        args: argv,
        options: { 'work-dir': { type: 'string' }, 'http-port': { type: 'string' }, 'free-ports': { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
      });
      const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
      if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort > 0 && httpPort < 65536)) throw new UsageError(`--http-port: expected a port number, got "${values['http-port']}"`);
      return await dev({ workDir: values['work-dir'], httpPort, freePorts: values['free-ports'] ?? false, quiet: values.quiet ?? false }, io.out);
    } catch (err) {
      return failure('dev', err, io);
    }
  },
};
