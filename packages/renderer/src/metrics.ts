import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CHANGE_BUCKETS } from '@api-server/core';

/** The renderer's own metrics (README, "Metrics"). */
export function rendererMetrics(registry: Registry) {
  const registers = [registry];
  const metrics = {
    renders: new Counter({
      name: 'renderer_renders_total',
      help: 'Complete render passes, by result: published (new version), unchanged (same bytes as current), error.',
      labelNames: ['result'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'renderer_render_duration_seconds',
      help: 'Time to render the template tree and publish it.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    // Convergence stages, each from the moment the renderer first saw a change (README,
    // "Where the convergence time goes"); unlabelled, so a scrape stays cheap.
    changeToPass: new Histogram({
      name: 'renderer_change_to_pass_start_seconds',
      help: 'Time from a Consul change (or templates version) first seen to the start of the render pass that carries it: quiescence wait plus a pass still running.',
      buckets: CHANGE_BUCKETS,
      registers,
    }),
    changeToRender: new Histogram({
      name: 'renderer_change_to_render_seconds',
      help: 'Time from a change first seen to the render worker answering for the pass that carries it (published versions only).',
      buckets: CHANGE_BUCKETS,
      registers,
    }),
    changeToPublish: new Histogram({
      name: 'renderer_change_to_publish_seconds',
      help: 'Time from a change first seen to rendered/current naming the version it produced.',
      buckets: CHANGE_BUCKETS,
      registers,
    }),
    watches: new Gauge({ name: 'renderer_watches', help: 'Active Consul watches (distinct queries the templates use).', registers }),
    consulRequests: new Counter({
      name: 'renderer_consul_requests_total',
      help: 'Consul HTTP requests, by result (success or error) and mode (blocking: a long-poll with an index; immediate: first fetch, retry, leader re-query).',
      labelNames: ['result', 'mode'] as const,
      registers,
    }),
    consulInFlight: new Gauge({
      name: 'renderer_consul_requests_in_flight',
      help: 'Consul HTTP requests open now, by mode; blocking ones each hold a connection against the agent limit http_max_conns_per_client.',
      labelNames: ['mode'] as const,
      registers,
    }),
    staleRequeries: new Counter({
      name: 'renderer_consul_stale_requeries_total',
      help: 'Stale or cached answers older than RENDER_CONSUL_MAX_STALE_MS (or from a server without a leader) asked again of the leader.',
      registers,
    }),
    emptyHeld: new Counter({
      name: 'renderer_empty_results_held_total',
      help: 'Times a health query answered empty after having instances and the previous instances were held for the grace period.',
      registers,
    }),
    lastPublish: new Gauge({
      name: 'renderer_last_publish_timestamp_seconds',
      help: 'Unix time of the last published rendered version.',
      registers,
    }),
    templateErrors: new Counter({ name: 'renderer_template_errors_total', help: 'Template parse and render errors.', registers }),
    refused: new Gauge({
      name: 'renderer_refused_values',
      help: 'Values from Consul refused now (control characters, bad address or port, too long), by field kind; the instance, KV key or catalog service is left out (state/renderer.json names them).',
      labelNames: ['field'] as const,
      registers,
    }),
    serviceInstances: new Gauge({
      name: 'renderer_service_instances',
      help: 'Instances each (service ..) query of the templates answers now (healthy ones unless passing=false). 0: the backend renders without servers, which HAProxy still reports as UP.',
      labelNames: ['service', 'query'] as const,
      registers,
    }),
    waiting: new Gauge({ name: 'renderer_queries_waiting', help: 'Queries the templates use that have not answered yet.', registers }),
    held: new Gauge({ name: 'renderer_held_files', help: 'Output files held at their last good version because their template failed.', registers }),
    holdEvents: new Counter({
      name: 'renderer_holds_total',
      help: 'Times an output file became held (or its reason changed), by error code.',
      labelNames: ['code'] as const,
      registers,
    }),
    workerRestarts: new Counter({
      name: 'renderer_render_worker_restarts_total',
      help: 'Render worker threads stopped (time budget) or lost (heap limit, crash) and replaced.',
      registers,
    }),
  };
  // Every series exists from the start, so rate() and alerts see a 0 before the first event.
  for (const result of ['published', 'unchanged', 'error']) metrics.renders.inc({ result }, 0);
  for (const code of ['TEMPLATE_PARSE', 'TEMPLATE_RENDER', 'TEMPLATE_TIMEOUT', 'TEMPLATE_OUTPUT_TOO_LARGE', 'TEMPLATE_MEMORY_LIMIT']) metrics.holdEvents.inc({ code }, 0);
  for (const mode of ['blocking', 'immediate']) {
    for (const result of ['success', 'error']) metrics.consulRequests.inc({ result, mode }, 0);
    metrics.consulInFlight.set({ mode }, 0);
  }
  return metrics;
}

export type RendererMetrics = ReturnType<typeof rendererMetrics>;

/** The families written to textfile/renderer.prom for node-exporter. */
export const TEXTFILE_FAMILIES = [
  'renderer_renders_total',
  'renderer_last_publish_timestamp_seconds',
  'renderer_template_errors_total',
  'renderer_watches',
  'renderer_empty_results_held_total',
  'renderer_queries_waiting',
  'renderer_refused_values',
  'renderer_service_instances',
  'renderer_held_files',
  'renderer_holds_total',
];
