import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The registrator's own metrics (README, "Metrics"). */
export function registratorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    passes: new Counter({ name: 'registrator_reconciles_total', help: 'Full reconcile passes (engine state vs agent services), by result: ok or error.', labelNames: ['result'] as const, registers }),
    duration: new Histogram({ name: 'registrator_reconcile_duration_seconds', help: 'Time of one reconcile pass.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    changes: new Counter({
      name: 'registrator_agent_changes_total',
      help: 'Changes made at the Consul agent, by op: register (new), update (changed in place), deregister (container gone).',
      labelNames: ['op'] as const,
      registers,
    }),
    services: new Gauge({ name: 'registrator_services', help: 'Service instances this registrator wants registered after the last pass.', registers }),
    containers: new Gauge({ name: 'registrator_containers', help: 'Running containers after the last pass, by outcome: registered, ignored (SERVICE_IGNORE or no port), refused (bad labels).', labelNames: ['outcome'] as const, registers }),
    events: new Counter({ name: 'registrator_engine_events_total', help: 'Container events read from the engine stream that triggered a pass.', registers }),
    badEvents: new Counter({ name: 'registrator_engine_event_parse_errors_total', help: 'Lines of the engine event stream that were not event objects (skipped).', registers }),
    engineUp: new Gauge({ name: 'registrator_engine_stream_up', help: '1 while the engine event stream is open.', registers }),
    consulWatchUp: new Gauge({ name: 'registrator_consul_watch_up', help: '1 while the blocking watch on the agent services answers.', registers }),
    lastSuccess: new Gauge({ name: 'registrator_last_success_timestamp_seconds', help: 'Unix time of the last successful pass.', registers }),
  };
}

export type RegistratorMetrics = ReturnType<typeof registratorMetrics>;
