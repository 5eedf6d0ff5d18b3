#!/usr/bin/env node
import { access, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageVersion, runComponent, watch } from '@api-server/core';
import { envPrefixes, envShape, haproxyTimeMs, syslogTargets } from './config.js';
import { renderGlobal } from '@api-server/haproxy';
import { MasterLog } from './haproxy/master-log.js';
import { createSupervisorMetrics } from './metrics.js';
import { LiveStore } from './outputs/live.js';
import { RenderedSource } from './sources/rendered.js';
import { adminSocketCommand, RuntimeApplier } from './runtime/apply.js';
import { Supervisor } from './supervisor.js';

const component = 'haproxy-supervisor';

await runComponent({
  component,
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: ':9703',
  env: envShape,
  envPrefixes,
  start: async ({ env, log, registry, state, signal, beat }) => {
    const sharedDir = env.SHARED_DIR;
    const run = join(sharedDir, 'run');
    const live = new LiveStore(sharedDir);
    await mkdir(run, { recursive: true });
    await mkdir(live.root, { recursive: true });
    // Scratch dirs of checks a killed supervisor never finished.
    for (const name of await readdir(live.root)) if (name.startsWith('.check-')) await rm(join(live.root, name), { recursive: true, force: true });
    const paths = {
      bin: env.HAPROXY_BIN,
      config: live.currentPath,
      masterSocket: join(run, 'haproxy-master.sock'),
      adminSocket: join(run, 'haproxy-admin.sock'),
      serverStateFile: join(run, 'haproxy-server-state'),
      pidFile: join(run, 'haproxy.pid'),
    };
    // An empty state file makes HAProxy warn; the bare format version line does not.
    await access(paths.serverStateFile).catch(() => writeFile(paths.serverStateFile, '1\n'));
    const syslog = syslogTargets(env);
    const globalText = renderGlobal({
      adminSocket: paths.adminSocket,
      serverStateFile: paths.serverStateFile,
      syslogTcp: syslog.tcp,
      syslogUdp: syslog.udp,
      hardStopAfter: env.HAPROXY_HARD_STOP_AFTER,
      closeSpreadTime: env.HAPROXY_CLOSE_SPREAD_TIME,
      maxReloads: env.HAPROXY_MAX_RELOADS,
    });

    const supervisor = new Supervisor({
      component,
      sharedDir,
      bin: env.HAPROXY_BIN,
      paths,
      masterLog: new MasterLog(join(run, 'haproxy-master.log')),
      live,
      globalText,
      drainSeconds: env.DRAIN_SECONDS,
      bindCheck: env.HAPROXY_BIND_CHECK,
      stopTimeoutMs: haproxyTimeMs(env.HAPROXY_HARD_STOP_AFTER) + 5000,
      minReloadIntervalMs: haproxyTimeMs(env.HAPROXY_MIN_RELOAD_INTERVAL),
      deleteTimeoutMs: haproxyTimeMs(env.HAPROXY_DELETE_TIMEOUT),
      runtimeUpdates: env.HAPROXY_RUNTIME_UPDATES,
      applier: new RuntimeApplier(adminSocketCommand(paths.adminSocket)),
      log,
      state,
      metrics: createSupervisorMetrics(registry),
      registry,
      signal,
    });
    await supervisor.init();

    const source = new RenderedSource(join(sharedDir, 'rendered'));
    log.info({ rendered: source.id, live: live.currentPath, syslog }, 'watching rendered versions');
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
