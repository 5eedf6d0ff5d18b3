import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MasterPaths } from './master.js';

/** Where HAProxy's sockets and files live (`SHARED_DIR/run`), and what the master loads. */
export interface RunPaths extends MasterPaths {
  adminSocket: string;
  serverStateFile: string;
  /** The master's stdout and stderr (a file: it outlives the supervisor). */
  masterLog: string;
}

/** The paths under `<sharedDir>/run`; `config` is `live/current`. Pure. */
export function runPaths(sharedDir: string, bin: string, config: string): RunPaths {
  const run = join(sharedDir, 'run');
  return {
    bin,
    config,
    masterSocket: join(run, 'haproxy-master.sock'),
    adminSocket: join(run, 'haproxy-admin.sock'),
    serverStateFile: join(run, 'haproxy-server-state'),
    pidFile: join(run, 'haproxy.pid'),
    masterLog: join(run, 'haproxy-master.log'),
  };
}

/** Creates the run directory and a server-state file HAProxy can load before the first dump. */
export async function prepareRunDir(paths: RunPaths): Promise<void> {
  await mkdir(dirname(paths.masterSocket), { recursive: true });
  // An empty state file makes HAProxy warn; the bare format version line does not.
  await access(paths.serverStateFile).catch(() => writeFile(paths.serverStateFile, '1\n'));
}
