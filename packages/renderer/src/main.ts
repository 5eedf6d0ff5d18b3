#!/usr/bin/env node
import { packageVersion, runComponent } from '@api-server/core';
import { rendererEnv, RENDERER_ENV_PREFIXES } from './config.js';
import { rendererMetrics } from './metrics.js';
import { RefusalLog } from './refusal-log.js';
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
    // A changed refusal list re-runs a pass so the state file names it at once.
    let renderer: Renderer | undefined;
    const refusals = new RefusalLog(log, () => renderer?.nudge());
    const address = parseConsulAddr(env.CONSUL_HTTP_ADDR, env.CONSUL_HTTP_SSL);
    if (typeof address === 'string') throw new Error(`CONSUL_HTTP_ADDR: ${address}`);
    const consistency = { stale: env.RENDER_CONSUL_STALE, maxStaleMs: env.RENDER_CONSUL_MAX_STALE_MS, cached: env.RENDER_CONSUL_CACHED };
    const client = new ConsulClient(address, {
      token: env.CONSUL_HTTP_TOKEN,
      waitSeconds: env.RENDER_BLOCKING_WAIT_S,
      concurrency: env.RENDER_CONSUL_CONCURRENCY,
      ...consistency,
      observer: {
        request: (mode, result) => metrics.consulRequests.inc({ mode, result }),
        inFlight: (mode, delta) => metrics.consulInFlight.inc({ mode }, delta),
        staleRequery: (query, meta) => {
          metrics.staleRequeries.inc();
          log.debug({ query, lastContactMs: meta.lastContactMs, knownLeader: meta.knownLeader }, 'answer too stale: asking the leader');
        },
        refused: (query, list) => refusals.set(query, list),
      },
    });
    renderer = new Renderer({
      sharedDir: env.SHARED_DIR,
      keepVersions: env.RENDER_KEEP_VERSIONS,
      render: {
        env: process.env,
        envAllow: env.TEMPLATE_ENV_ALLOW,
        node: { ...(env.NODE_NAME ? { name: env.NODE_NAME } : {}), ...(env.NODE_IP ? { address: env.NODE_IP } : {}) },
      },
      limits: { timeoutMs: env.RENDER_TIMEOUT_MS, maxFileBytes: env.RENDER_MAX_FILE_BYTES, maxTotalBytes: env.RENDER_MAX_TOTAL_BYTES },
      workerHeapMb: env.RENDER_WORKER_MAX_HEAP_MB,
      waitMinMs: env.RENDER_WAIT_MIN_MS,
      waitMaxMs: env.RENDER_WAIT_MAX_MS,
      waitLeading: env.RENDER_WAIT_LEADING,
      templatesPollMs: env.RENDER_TEMPLATES_POLL_MS,
      emptyGraceMs: env.RENDER_EMPTY_GRACE_MS,
      watchMinGapMs: env.RENDER_WATCH_MIN_GAP_MS,
      sourceFor: (query) => sourceFor(query, client),
      refusals,
      backoff: { initialMs: 250, maxMs: env.RENDER_RETRY_MAX_MS, factor: 2 },
      log,
      state,
      metrics,
      registry,
      signal,
      beat,
    });
    log.info({ consul: address.baseUrl, envAllow: env.TEMPLATE_ENV_ALLOW, blockingWaitS: env.RENDER_BLOCKING_WAIT_S, ...consistency }, 'renderer starting');
    // Best effort: the agent's per-client connection limit, to warn before watches exceed it.
    void client
      .agentConnectionLimit(signal)
      .then((limit) => {
        renderer.consulConnectionLimit = limit;
        log.debug({ httpMaxConnsPerClient: limit }, 'consul agent connection limit');
      })
      .catch((err: unknown) => log.debug({ err }, 'could not read the consul agent connection limit'));
    await renderer.start();
    return {
      ready: () => renderer.ready(),
      stop: async () => {
        await renderer.stop();
        client.destroy();
      },
    };
  },
});
