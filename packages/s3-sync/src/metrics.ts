import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Drops families `promtool check metrics` rejects: prom-client's default
 * `nodejs_active_{handles,requests,resources}_total` are gauges with a counter's
 * suffix. This belongs in core's `createRegistry`; until it moves there, each
 * component cleans its own registry.
 */
function dropNonConformingMetrics(registry: Registry): string[] {
  const dropped: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    if (name.endsWith('_total') && type !== 'counter') {
      registry.removeSingleMetric(name);
      dropped.push(name);
    }
  }
  return dropped;
}

/** s3-sync's Prometheus families, registered on the component's registry. */
export function createSyncMetrics(registry: Registry) {
  dropNonConformingMetrics(registry);
  const registers = [registry];
  const metrics = {
    polls: new Counter({ name: 's3_sync_polls_total', help: 'Polls of the source, by outcome: unchanged, changed (a new version was published), error.', labelNames: ['result'] as const, registers }),
    requests: new Counter({ name: 's3_sync_requests_total', help: 'Requests sent to S3, by operation.', labelNames: ['operation'] as const, registers }),
    objectsDownloaded: new Counter({ name: 's3_sync_objects_downloaded_total', help: 'Objects downloaded because their ETag changed or they were new.', registers }),
    bytesDownloaded: new Counter({ name: 's3_sync_bytes_downloaded_total', help: 'Bytes of object bodies downloaded.', registers }),
    publishes: new Counter({ name: 's3_sync_publishes_total', help: 'New template versions published as templates/current.', registers }),
    errors: new Counter({ name: 's3_sync_errors_total', help: 'Failed or refused syncs, by error code; the last good version stays current.', labelNames: ['code'] as const, registers }),
    lastSuccess: new Gauge({ name: 's3_sync_last_success_timestamp_seconds', help: 'Unix time of the last poll that confirmed templates/current matches the source.', registers }),
    lastPublish: new Gauge({ name: 's3_sync_last_publish_timestamp_seconds', help: 'Unix time templates/current last changed.', registers }),
    consecutiveFailures: new Gauge({ name: 's3_sync_consecutive_failures', help: 'Polls failed in a row (0 when the last one succeeded).', registers }),
    treeObjects: new Gauge({ name: 's3_sync_tree_objects', help: 'Files in the current template version.', registers }),
    treeBytes: new Gauge({ name: 's3_sync_tree_bytes', help: 'Total size of the current template version, bytes.', registers }),
    pollDuration: new Histogram({
      name: 's3_sync_poll_duration_seconds',
      help: 'Time to poll the source, including any downloads.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
  // Zero series exist from the start, so rate() and alerts see the first event.
  for (const result of ['unchanged', 'changed', 'error']) metrics.polls.labels(result).inc(0);
  for (const operation of ['GetObject', 'ListObjectsV2']) metrics.requests.labels(operation).inc(0);
  return metrics;
}

export type SyncMetrics = ReturnType<typeof createSyncMetrics>;

/** The families node-exporter's textfile collector gets (`textfile/s3-sync.prom`). */
export const TEXTFILE_FAMILIES = [
  's3_sync_polls_total',
  's3_sync_publishes_total',
  's3_sync_errors_total',
  's3_sync_objects_downloaded_total',
  's3_sync_bytes_downloaded_total',
  's3_sync_last_success_timestamp_seconds',
  's3_sync_last_publish_timestamp_seconds',
  's3_sync_consecutive_failures',
  's3_sync_tree_objects',
];
