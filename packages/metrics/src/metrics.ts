import { Counter, type Registry } from 'prom-client';

/** The component's own metric on METRICS_ADDR (the :3803 and :9101 families are rendered by hand: logs/, exporter/). */
export function scrapeCounter(registry: Registry) {
  return new Counter({
    name: 'metrics_haproxy_scrapes_total',
    help: 'Scrapes of the HAProxy stats socket for :9101, by result (ok, failed).',
    labelNames: ['result'],
    registers: [registry],
  });
}
