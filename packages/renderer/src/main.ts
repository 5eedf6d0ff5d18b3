#!/usr/bin/env node
import { packageVersion, runComponent } from '@api-server/core';
import { rendererEnv, RENDERER_ENV_PREFIXES } from './config.js';
import { rendererMetrics } from './metrics.js';
import { Renderer } from './renderer.js';
import { ConsulClient, parseConsulAddr } from './sources/consul-client.js';
import { sourceFor } from './sources/index.js';

await runComponent({
  component: 'renderer',
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: ':9702',
  env: rendererEnv,
  envPrefixes: RENDERER_ENV_PREFIXES,
  start: async ({ env, log, registry, state, signal, beat }) => {
    const metrics = rendererMetrics(registry);
    const address = parseConsulAddr(env.CONSUL_HTTP_ADDR, env.CONSUL_HTTP_SSL);
    if (typeof address === 'string') throw new Error(`CONSUL_HTTP_ADDR: ${address}`);
    const client = new ConsulClient(address, { token: env.CONSUL_HTTP_TOKEN, waitSeconds: env.RENDER_BLOCKING_WAIT_S });
    const renderer = new Renderer({
      sharedDir: env.SHARED_DIR,
      keepVersions: env.RENDER_KEEP_VERSIONS,
      render: {
        env: process.env,
        envAllow: env.TEMPLATE_ENV_ALLOW,
        node: { ...(env.NODE_NAME ? { name: env.NODE_NAME } : {}), ...(env.NODE_IP ? { address: env.NODE_IP } : {}) },
      },
      waitMinMs: env.RENDER_WAIT_MIN_MS,
      waitMaxMs: env.RENDER_WAIT_MAX_MS,
      templatesPollMs: env.RENDER_TEMPLATES_POLL_MS,
      emptyGraceMs: env.RENDER_EMPTY_GRACE_MS,
      sourceFor: (query) => sourceFor(query, client),
      backoff: { initialMs: 250, maxMs: env.RENDER_RETRY_MAX_MS, factor: 2 },
      log,
      state,
      metrics,
      registry,
      signal,
      beat,
    });
    log.info({ consul: address.baseUrl, envAllow: env.TEMPLATE_ENV_ALLOW }, 'renderer starting');
    await renderer.start();
    return {
      // '' means ready: core's runComponent reads `handle.ready() ?? 'starting'`, which turns null into 'starting'.
      ready: () => renderer.ready() ?? '',
      stop: async () => {
        await renderer.stop();
        client.destroy();
      },
    };
  },
});
