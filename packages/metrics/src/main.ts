#!/usr/bin/env node
import { describeError, packageVersion, runComponent, type ComponentContext, type ComponentHandle } from '@api-server/core';
import { DEFAULT_METRICS_ADDR, envPrefixes, envShape, underShared, type MetricsEnv } from './config.js';
import { HaproxyExporter } from './exporter/exporter.js';
import { LogPipeline } from './logs/pipeline.js';
import { scrapeCounter } from './metrics.js';
import { startTextEndpoint, type TextEndpoint } from './outputs/text-endpoint.js';

/**
 * Starts both halves: the log tailer feeding :3803 and the stats-socket exporter on
 * :9101. Neither depends on the other; HAProxy being down only degrades :9101.
 */
async function start(ctx: ComponentContext<MetricsEnv>): Promise<ComponentHandle> {
  const { env, log, registry, state, signal } = ctx;
  const socketPath = underShared(env.SHARED_DIR, env.HAPROXY_STATS_SOCKET);
  const pipeline = new LogPipeline({
    logDir: env.LOG_DIR,
    positionFile: underShared(env.SHARED_DIR, env.LOG_METRICS_POSITION_FILE),
    pollMs: env.LOG_METRICS_POLL_MS,
    positionIntervalMs: env.LOG_METRICS_POSITION_INTERVAL_MS,
    maxSeries: env.LOG_METRICS_MAX_SERIES,
    ttlMs: env.LOG_METRICS_SERIES_TTL_MS,
    registry,
    log,
    onPoll: ctx.beat,
  });
  const scrapes = scrapeCounter(registry);
  let haproxyUp: boolean | null = null;
  const exporter = new HaproxyExporter({
    socketPath,
    timeoutMs: env.HAPROXY_STATS_TIMEOUT_MS,
    onScrape: (up) => {
      scrapes.inc({ result: up ? 'ok' : 'failed' });
      if (up !== haproxyUp) {
        if (up) log.info({ socket: socketPath }, 'HAProxy stats socket answers');
        else log.warn({ err: exporter.lastError, socket: socketPath }, 'HAProxy stats socket does not answer: :9101 reports haproxy_up 0');
      }
      haproxyUp = up;
    },
  });

  const endpoints: TextEndpoint[] = [];
  const onError = (err: unknown) => log.warn({ err }, 'metrics response cut short');
  endpoints.push(await startTextEndpoint({ address: env.LOG_METRICS_ADDR, render: (write) => pipeline.metrics.stream(write), onError }));
  endpoints.push(await startTextEndpoint({ address: env.HAPROXY_METRICS_ADDR, render: async (write) => write(await exporter.collect()), onError }));
  log.info({ logMetrics: endpoints[0]?.port, haproxyMetrics: endpoints[1]?.port, socket: socketPath, logDir: env.LOG_DIR }, 'metrics endpoints listening');
  await pipeline.start(signal);

  const report = async () => {
    const position = pipeline.position;
    const counters = { lines: sumLines(pipeline.counts), ...pipeline.counts, ...pipeline.events };
    Object.assign(state.state.counters, counters);
    const extra = { position, logFile: pipeline.file, statsSocket: socketPath, haproxyUp };
    if (haproxyUp === false) await state.failure(exporter.lastError ?? new Error('stats socket does not answer'), extra);
    else await state.success(position ? `inode:${position.inode}` : null, extra);
  };
  const timer = setInterval(() => void report().catch((err: unknown) => log.warn({ err: describeError(err) }, 'state file write failed')), 5000);
  timer.unref();

  return {
    // Ready once both listeners are bound (they are, by now).
    ready: () => null,
    stop: async () => {
      clearInterval(timer);
      await pipeline.stop();
      await report().catch(() => undefined);
      log.info({ counts: pipeline.counts, position: pipeline.position }, 'final position saved');
      await Promise.all(endpoints.map((e) => e.close()));
    },
  };
}

function sumLines(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

await runComponent({
  component: 'metrics',
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: DEFAULT_METRICS_ADDR,
  env: envShape,
  envPrefixes,
  start,
});
