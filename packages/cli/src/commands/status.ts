import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseStateFile, type StageState } from '@api-server/core';
import { EXIT, failure, type Command } from '../workflow/command-io.js';
import { changeReport, formatTable, heldReport, overallExitCode, statusRows } from '../status-report.js';

const statusHelp = `apictl status [--shared-dir DIR] [--json]

Prints every stage of this node's pipeline: its status, the version it holds, when it
last succeeded and its last error; then each file the renderer or the supervisor holds
at its last good output (file, template line, since when, why). Reads SHARED_DIR/state/*.json (default /shared).
Exit code 1 when a stage is degraded or failing, or when DIR/state holds no state
file (a wrong --shared-dir: the message names the directory read).

Examples:
  kubectl exec ds/api-server -c haproxy-supervisor -- apictl status
  apictl status --shared-dir .tmp/dev/shared --json | jq .`;

/**
 * Reads every state file and checks it against its component's schema (core
 * `stateSchemas`); an unreadable or invalid one is reported as such (status
 * `unreadable`, exit 1), not fatal. A JSON file without a `component` is not a stage
 * state (metrics' position file lives there too) and is skipped.
 */
export async function readStates(sharedDir: string): Promise<Map<string, StageState | Error>> {
  const dir = join(sharedDir, 'state');
  const states = new Map<string, StageState | Error>();
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  for (const name of names) {
    const path = join(dir, name);
    try {
      const value: unknown = JSON.parse(await readFile(path, 'utf8'));
      const component = (value as { component?: unknown } | null)?.component;
      if (typeof component !== 'string') continue; // not a stage state (e.g. a position file)
      const parsed = parseStateFile(value);
      // Keyed by the file name: a file whose `component` lies must not hide another stage's row.
      const key = name.replace(/\.json$/, '');
      states.set(key, parsed.ok ? (parsed.state as StageState) : new Error(`${path}: not a valid ${component} state file: ${parsed.problems.join('; ')}`));
    } catch (err) {
      states.set(name.replace(/\.json$/, ''), new Error(`${path}: ${(err as Error).message}`));
    }
  }
  return states;
}

export async function status(opts: { sharedDir: string; json: boolean }, out: (s: string) => void, err: (s: string) => void = out): Promise<number> {
  const states = await readStates(opts.sharedDir);
  if (states.size === 0) {
    // An empty table with exit 0 would read as "all fine" when the path is simply wrong.
    err(`apictl status: no stage state files in ${join(resolve(opts.sharedDir), 'state')} (is the shared directory right? --shared-dir DIR or SHARED_DIR)`);
    return EXIT.failure;
  }
  const rows = statusRows(states, new Date());
  if (opts.json) {
    out(JSON.stringify(Object.fromEntries([...states].map(([k, v]) => [k, v instanceof Error ? { error: v.message } : v])), null, 2));
  } else {
    out(formatTable(rows));
    const held = heldReport(states, new Date());
    if (held) out(`\n${held}`);
    const change = changeReport(states, new Date());
    if (change) out(`\n${change}`);
  }
  return overallExitCode(rows);
}

export const statusCommand: Command = {
  name: 'status',
  summary: "print every pipeline stage's status, version and last error",
  help: statusHelp,
  async run(argv, io) {
    try {
      const { values } = parseArgs({ args: argv, options: { 'shared-dir': { type: 'string' }, json: { type: 'boolean', default: false } } });
      return await status({ sharedDir: values['shared-dir'] ?? process.env.SHARED_DIR ?? '/shared', json: values.json ?? false }, io.out, io.err);
    } catch (err) {
      return failure('status', err, io);
    }
  },
};
