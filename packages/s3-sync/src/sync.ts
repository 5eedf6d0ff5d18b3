import { PipelineError, watch, writeTextfile, type FetchResult, type Logger, type Source, type StateReporter } from '@api-server/core';
import type { Registry } from 'prom-client';
import { TEXTFILE_FAMILIES, type SyncMetrics } from './metrics.js';
import type { TemplatesOutput } from './outputs/templates.js';
import type { SourceHooks, SyncedTree } from './tree.js';

export interface SyncDeps {
  source: Source<SyncedTree>;
  output: Pick<TemplatesOutput, 'publish'>;
  metrics: SyncMetrics;
  registry: Registry;
  state: StateReporter;
  log: Logger;
  sharedDir: string;
  intervalMs: number;
  signal: AbortSignal;
  beat: () => void;
  /** The version `current` named at start, already counted as published. */
  initialId?: string;
}

/**
 * The sync loop: core `watch` polls the source every `intervalMs` (with jitter)
 * and retries failures with backoff forever; a tree with a new content id is
 * published. Every poll lands in metrics, the state file and the textfile.
 * Resolves once the signal aborted and the current step finished.
 */
export async function runSync(deps: SyncDeps): Promise<void> {
  const { metrics, state, log } = deps;
  let published = deps.initialId;

  let failures = 0;
  const succeeded = async (tree: SyncedTree, result: 'changed' | 'unchanged') => {
    if (failures > 0) log.info({ id: tree.id, afterFailures: failures }, 'sync recovered');
    failures = 0;
    metrics.polls.labels(result).inc();
    metrics.lastSuccess.setToCurrentTime();
    metrics.consecutiveFailures.set(0);
    metrics.treeObjects.set(tree.files.length);
    metrics.treeBytes.set(tree.files.reduce((n, f) => n + f.data.byteLength, 0));
    state.count('polls');
    state.count(result);
    await state
      .success(tree.id, { source: deps.source.id, mode: tree.mode, release: tree.release ?? null, releaseMeta: tree.meta ?? null, location: tree.location })
      .catch((err: unknown) => log.warn({ err }, 'could not write state file'));
    await textfile();
  };
  const textfile = () => writeTextfile(deps.sharedDir, 's3-sync', deps.registry, TEXTFILE_FAMILIES).catch((err: unknown) => log.warn({ err }, 'could not write textfile'));

  let lastTree: SyncedTree | undefined;
  const timed: Source<SyncedTree> = {
    id: deps.source.id,
    fetch: async (opts): Promise<FetchResult<SyncedTree>> => {
      state.attempt();
      const end = metrics.pollDuration.startTimer();
      try {
        const result = await deps.source.fetch(opts);
        lastTree = result.value;
        return result;
      } finally {
        end();
        deps.beat();
      }
    },
  };

  await watch(timed, {
    signal: deps.signal,
    minGapMs: deps.intervalMs,
    jitter: 0.1,
    // Short interval, short backoff: recovery should not wait much longer than one normal poll would.
    backoff: { initialMs: Math.min(1_000, deps.intervalMs), maxMs: Math.min(60_000, Math.max(2_000, deps.intervalMs * 4)), factor: 2 },
    // Same content AND already published: a failed publish is retried on the next poll.
    equal: (a, b) => a.id === b.id && published === b.id,
    onFetch: (changed) => {
      if (!changed && lastTree) void succeeded(lastTree, 'unchanged');
      if (!changed) log.debug({ id: published }, 'source unchanged');
    },
    onChange: async (tree) => {
      const result = await deps.output.publish(tree);
      published = tree.id;
      if (result.changed) {
        metrics.publishes.inc();
        metrics.lastPublish.setToCurrentTime();
        state.count('publishes');
        log.info({ id: tree.id, mode: tree.mode, release: tree.release, location: tree.location, files: tree.files.length }, 'published templates');
      }
      await succeeded(tree, result.changed ? 'changed' : 'unchanged');
    },
    onError: (err, attempt, delayMs) => {
      if (deps.signal.aborted) return; // shutting down: an interrupted download is not a failure
      const code = err instanceof PipelineError ? err.code : ((err as { code?: unknown }).code as string | undefined) ?? 'INTERNAL';
      metrics.polls.labels('error').inc();
      metrics.errors.labels(code).inc();
      metrics.consecutiveFailures.set(attempt);
      failures = attempt;
      state.count('errors');
      log.warn({ err, attempt, retryInMs: delayMs }, 'sync failed; keeping the last good version');
      void state.failure(err, { consecutiveFailures: attempt, retryInMs: delayMs }).then(textfile, (e: unknown) => log.warn({ err: e }, 'could not write state file'));
    },
  });
}

/** Source observations -> metrics, state counters and a debug line. */
export function sourceHooks(metrics: SyncMetrics, state: StateReporter, log: Logger, beat: () => void = () => undefined): SourceHooks {
  return {
    request: (operation) => {
      metrics.requests.labels(operation).inc();
      state.count('requests');
    },
    downloaded: (key, bytes) => {
      metrics.objectsDownloaded.inc();
      metrics.bytesDownloaded.inc(bytes);
      state.count('objectsDownloaded');
      state.count('bytesDownloaded', bytes);
      log.debug({ key, bytes }, 'downloaded object');
      beat(); // a long download is progress, not a stuck loop
    },
    planned: (download, reuse) => log.debug({ download, reuse }, 'downloading changed objects'),
  };
}
