#!/usr/bin/env node
import { packageVersion, runComponent } from '@api-server/core';
import { consulBaseUrl, envPrefixes, envShape, maxSilenceMs } from './config.js';
import { ConsulAgent } from './outputs/consul-agent.js';
import { EngineClient } from './sources/engine-client.js';
import { consulWatchLoop, engineEventsLoop, reconcileLoop, type LoopDeps } from './loops.js';
import { registratorMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
import { Wakeup } from './wakeup.js';

await runComponent({
  component: 'registrator',
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: ':9706',
  env: envShape,
  envPrefixes,
  maxSilenceMs: maxSilenceMs(process.env.REGISTRATOR_RESYNC_MS),
  start: async ({ env, log, registry, state, signal, beat }) => {
    const engine = new EngineClient(env.DOCKER_HOST);
    const consul = new ConsulAgent(consulBaseUrl(env), env.CONSUL_HTTP_TOKEN);
    const reconciler = new Reconciler(engine, consul, {
      nodeName: env.NODE_NAME,
      nodeIp: env.NODE_IP,
      checkInterval: env.REGISTRATOR_CHECK_INTERVAL,
      checkTimeout: env.REGISTRATOR_CHECK_TIMEOUT,
      deregisterAfter: env.REGISTRATOR_DEREGISTER_AFTER,
    });
    const deps: LoopDeps = { engine, consul, reconciler, wakeup: new Wakeup(), metrics: registratorMetrics(registry), state, log, signal, beat };
    log.info({ engine: engine.where, consul: consulBaseUrl(env), node: env.NODE_NAME, nodeIp: env.NODE_IP, resyncMs: env.REGISTRATOR_RESYNC_MS }, 'registering containers');

    const crash = (what: string) => (err: unknown) => {
      log.fatal({ err }, `${what} crashed`);
      process.exit(1);
    };
    const done = Promise.all([
      reconcileLoop(deps, { resyncMs: env.REGISTRATOR_RESYNC_MS, debounceMs: env.REGISTRATOR_DEBOUNCE_MS }).catch(crash('reconcile loop')),
      engineEventsLoop(deps).catch(crash('engine event loop')),
      consulWatchLoop(deps).catch(crash('consul watch loop')),
    ]);
    return {
      // Ready once running, whatever the engine or Consul say: the registrator shares the
      // pod with HAProxy, a pod is Ready only when all its containers are, and a node whose
      // engine is down must keep serving. Failures show in the state file, the metrics
      // (registrator_last_success_timestamp_seconds) and /healthz if the loop stalls.
      ready: () => null,
      // Registrations stay on SIGTERM: a restarting registrator must not flap its services.
      stop: async () => {
        await done;
        engine.destroy();
      },
    };
  },
});
