import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CHANGE_BUCKETS } from '@api-server/core';

/** The supervisor's metric families; the same key figures go to its textfile. */
export function createSupervisorMetrics(registry: Registry) {
  const registers = [registry];
  const m = {
    configChecks: new Counter({
      name: 'haproxy_supervisor_config_checks_total',
      help: 'Candidate configurations checked with haproxy -c, by result.',
      labelNames: ['result'] as const,
      registers,
    }),
    configValid: new Gauge({
      name: 'haproxy_supervisor_config_valid',
      help: 'Whether the latest candidate configuration passed haproxy -c (1) or not (0).',
      registers,
    }),
    reloads: new Counter({
      name: 'haproxy_supervisor_reloads_total',
      help: 'HAProxy reloads through the master CLI, by result.',
      labelNames: ['result'] as const,
      registers,
    }),
    lastReloadSuccess: new Gauge({
      name: 'haproxy_supervisor_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful reload or start.',
      registers,
    }),
    liveVersion: new Gauge({
      name: 'haproxy_supervisor_live_version_info',
      help: 'The version live/current names (value is always 1).',
      labelNames: ['version'] as const,
      registers,
    }),
    restarts: new Counter({
      name: 'haproxy_supervisor_haproxy_restarts_total',
      help: 'HAProxy masters started again after the previous one exited unexpectedly.',
      registers,
    }),
    updates: new Counter({
      name: 'haproxy_supervisor_updates_total',
      help: 'Configuration changes applied to the running HAProxy, by method.',
      labelNames: ['method'] as const,
      registers,
    }),
    reloadDuration: new Histogram({
      name: 'haproxy_supervisor_reload_duration_seconds',
      help: 'Time from sending reload to a confirmed new worker (or failure).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    runtimeDuration: new Histogram({
      name: 'haproxy_supervisor_runtime_update_duration_seconds',
      help: 'Time to apply a server-only change through the runtime API (commands sent to last answer).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    // Convergence stages from the renderer's "change first seen" (same host clock; README).
    changeToSeen: new Histogram({
      name: 'haproxy_supervisor_change_to_seen_seconds',
      help: 'Time from a Consul change first seen by the renderer to the supervisor picking up the rendered version that carries it.',
      buckets: CHANGE_BUCKETS,
      registers,
    }),
    changeToApply: new Histogram({
      name: 'haproxy_supervisor_change_to_apply_seconds',
      help: 'Time from a Consul change first seen by the renderer to HAProxy running the version that carries it, by method: runtime (admin socket answered), reload (new worker confirmed), start.',
      labelNames: ['method'] as const,
      buckets: CHANGE_BUCKETS,
      registers,
    }),
    runtimeFallbacks: new Counter({
      name: 'haproxy_supervisor_runtime_fallbacks_total',
      help: 'Server-only versions that did not stay on the runtime path, by reason: unsafe (a command outside the runtime grammar, nothing sent), refused (HAProxy refused a command), check-failed (haproxy -c rejected the version after its commands; undone by reloading live).',
      labelNames: ['reason'] as const,
      registers,
    }),
    pendingDeletions: new Gauge({
      name: 'haproxy_supervisor_servers_pending_deletion',
      help: 'Servers removed from the config, in maintenance until their connections end, then deleted.',
      registers,
    }),
    heldFiles: new Gauge({
      name: 'haproxy_supervisor_held_files',
      help: 'Rendered files of the live version held at their last good output (or left out): they broke the policy or haproxy -c. The state file names them.',
      registers,
    }),
    running: new Gauge({
      name: 'haproxy_supervisor_haproxy_up',
      help: 'Whether an HAProxy master is running under this supervisor (1) or not (0).',
      registers,
    }),
  };
  // Zero series from the start, so rate() and alerts see them before the first event.
  for (const result of ['valid', 'invalid']) m.configChecks.inc({ result }, 0);
  for (const result of ['success', 'failure']) m.reloads.inc({ result }, 0);
  for (const method of ['runtime', 'reload']) m.updates.inc({ method }, 0);
  for (const reason of ['unsafe', 'refused', 'check-failed']) m.runtimeFallbacks.inc({ reason }, 0);
  return m;
}

export type SupervisorMetrics = ReturnType<typeof createSupervisorMetrics>;

/** Families written to `textfile/haproxy-supervisor.prom` for node-exporter. */
export const TEXTFILE_FAMILIES = [
  'haproxy_supervisor_config_checks_total',
  'haproxy_supervisor_config_valid',
  'haproxy_supervisor_reloads_total',
  'haproxy_supervisor_last_reload_success_timestamp_seconds',
  'haproxy_supervisor_live_version_info',
  'haproxy_supervisor_haproxy_restarts_total',
  'haproxy_supervisor_updates_total',
  'haproxy_supervisor_runtime_fallbacks_total',
  'haproxy_supervisor_servers_pending_deletion',
  'haproxy_supervisor_haproxy_up',
  'haproxy_supervisor_held_files',
];

/** Points the info gauge at exactly one version. */
export function setLiveVersion(m: SupervisorMetrics, id: string | null): void {
  m.liveVersion.reset();
  if (id) m.liveVersion.set({ version: id }, 1);
}
