import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, failure, UsageError, type Command } from '@api-server/cli';
import { devkitError } from './error-codes.js';
import { defaultWorkDir } from './dev-pod.js';
import { repoRoot } from './up.js';

const registerHelp = `apictl-dev register NAME PORT [--id ID] [--work-dir DIR]

Registers 127.0.0.1:PORT as an instance of service NAME in the running dev pod's
Consul (found in WORK_DIR/dev.json), so a template's {{> servers name="NAME"}} routes
to it. Equivalent to:
  curl -X PUT -d '{"Name":"NAME","Address":"127.0.0.1","Port":PORT}' http://CONSUL/v1/agent/service/register

Examples:
  apictl-dev register billing 3000
  apictl-dev register billing 3001 --id billing-2`;

/** A Consul service name a template can name: also what lands in HAProxy config, so kept plain. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const registerCommand: Command = {
  name: 'register',
  summary: 'register a local instance in the dev pod\'s Consul',
  help: registerHelp,
  async run(argv, io) {
    try {
      const { values, positionals } = parseArgs({ args: argv, options: { id: { type: 'string' }, 'work-dir': { type: 'string' } }, allowPositionals: true });
      const [name, portText] = positionals;
      if (!name || !portText || positionals.length > 2) throw new UsageError('give NAME and PORT: apictl-dev register billing 3000');
      if (!SERVICE_NAME.test(name)) throw new UsageError(`NAME: lowercase letters, digits and "-" (got "${name}")`);
      const port = Number(portText);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`PORT: expected a port number, got "${portText}"`);
      const id = values.id ?? `${name}-${port}`;
      if (!SERVICE_NAME.test(id)) throw new UsageError(`--id: lowercase letters, digits and "-" (got "${id}")`);
      const workDir = resolve(values['work-dir'] ?? defaultWorkDir(repoRoot()));
      const summaryPath = join(workDir, 'dev.json');
      const summary = await readFile(summaryPath, 'utf8').then(
        (t) => JSON.parse(t) as { consul?: string },
        () => {
          throw devkitError('DEV_NOT_RUNNING', `no dev pod found: ${summaryPath} does not exist (start one with apictl-dev, or give --work-dir)`, { context: { path: summaryPath } });
        },
      );
      if (!summary.consul) throw devkitError('DEV_NOT_RUNNING', `${summaryPath} names no Consul`);
      const res = await fetch(`${summary.consul}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ ID: id, Name: name, Address: '127.0.0.1', Port: port }) }).catch((e: Error) => {
        throw devkitError('DEV_NOT_RUNNING', `the dev Consul at ${summary.consul} does not answer (${e.message}): is the pod still running?`);
      });
      if (!res.ok) throw devkitError('DEV_REGISTER_FAILED', `Consul refused the registration: ${res.status} ${(await res.text()).slice(0, 200)}`);
      io.out(`registered ${id}: service "${name}" at 127.0.0.1:${port} in ${summary.consul}`);
      return EXIT.ok;
    } catch (e) {
      return failure('dev register', e, io);
    }
  },
};
