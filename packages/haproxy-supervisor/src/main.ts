#!/usr/bin/env node
import { join } from 'node:path';
import { packageVersion, runComponent, watch } from '@api-server/core';
import { renderGlobal } from '@api-server/haproxy';
import { envPrefixes, envShape, globalOptions, supervisorSettings, syslogTargets } from './config.js';
import { MasterLog } from './haproxy/master-log.js';
import { prepareRunDir, runPaths } from './haproxy/run-dir.js';
import { createSupervisorMetrics } from './metrics.js';
import { LiveStore } from './outputs/live.js';
import { prepareLiveRoot } from './outputs/live-root.js';
import { RenderedSource } from './sources/rendered.js';
import { adminSocketCommand, RuntimeApplier } from './runtime/apply.js';
import { Supervisor } from './supervisor.js';

const component = 'haproxy-supervisor';

/** Wiring only: env -> config -> outputs (live/, run/) -> the stage -> the source (rendered/current). */
await runComponent({
  component,
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: ':9703',
  env: envShape,
  envPrefixes,
  start: async ({ env, log, registry, state, signal, beat }) => {
    const sharedDir = env.SHARED_DIR;
    const live = new LiveStore(sharedDir);
    await prepareLiveRoot(live.root);
    const paths = runPaths(sharedDir, env.HAPROXY_BIN, live.currentPath);
    await prepareRunDir(paths);

    const supervisor = new Supervisor({
      component,
      sharedDir,
      bin: env.HAPROXY_BIN,
      paths,
      masterLog: new MasterLog(paths.masterLog),
      live,
      globalText: renderGlobal(globalOptions(env, paths)),
      ...supervisorSettings(env),
      applier: new RuntimeApplier(adminSocketCommand(paths.adminSocket)),
      log,
      state,
      metrics: createSupervisorMetrics(registry),
      registry,
      signal,
    });
    await supervisor.init();

    const source = new RenderedSource(join(sharedDir, 'rendered'));
    log.info({ rendered: source.id, live: live.currentPath, syslog: syslogTargets(env) }, 'watching rendered versions');
    const watching = watch(source, {
      signal,
      onFetch: () => beat(),
      onChange: (pointer) => supervisor.offer(pointer),
      onError: (err, attempt, delayMs) => log.warn({ err, attempt, delayMs }, 'cannot read rendered/current'),
    }).finally(() => source.close());

    return {
      ready: () => (signal.aborted ? 'shutting down' : supervisor.ready()),
      stop: async () => {
        await watching;
        await supervisor.stop();
      },
    };
  },
});
