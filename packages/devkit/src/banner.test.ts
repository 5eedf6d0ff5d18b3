import { describe, expect, it } from 'vitest';
import { bannerLines } from './banner.js';
import type { DevPodSummary } from './dev-pod.js';

const summary: DevPodSummary = {
  http: 'http://127.0.0.1:8080',
  stats: 'http://127.0.0.1:8404/stats',
  tcp: '127.0.0.1:15432',
  consul: 'http://127.0.0.1:8500',
  s3: 'http://127.0.0.1:9000 (bucket b, prefix prod)',
  source: 's3://b/prod',
  templates: '/repo/templates',
  release: '0123456789abcdef',
  sharedVolumes: '/w/volumes',
  logs: '/w/logs',
  runner: 'processes',
  containers: {
    renderer: { pid: 10, metrics: ['http://127.0.0.1:9702/metrics'], log: '/w/logs/renderer.log' },
    metrics: { pid: 11, metrics: ['http://127.0.0.1:9705/metrics', 'http://127.0.0.1:3803/metrics', 'http://127.0.0.1:9101/metrics'], log: '/w/logs/metrics.log' },
  },
  skipped: [{ container: 'registrator', reason: 'no container engine' }],
  demo: [],
};

describe('bannerLines', () => {
  const text = bannerLines(summary, '/w').join('\n');
  it.each([
    ['HTTP', /HTTP +http:\/\/127\.0\.0\.1:8080/],
    ['TCP', /TCP +127\.0\.0\.1:15432/],
    ['stats', /stats +http:\/\/127\.0\.0\.1:8404\/stats/],
    ['every /metrics, :3803 and :9101 included', /9702\/metrics[\s\S]*9705\/metrics[\s\S]*3803\/metrics[\s\S]*9101\/metrics/],
    ['how to register', /apictl-dev register NAME PORT .*curl -X PUT .*http:\/\/127\.0\.0\.1:8500\/v1\/agent\/service\/register/],
    ['status with the supervisor\'s shared dir', /apictl status --shared-dir \/w\/containers\/haproxy-supervisor\/shared/],
    ['the watched templates', /\/repo\/templates is watched/],
    ['a skipped container with its reason', /registrator +not run locally: no container engine/],
  ])('names %s', (_what, pattern) => expect(text).toMatch(pattern));

  it('prints no macOS-only `open` and no TCP line when the templates bind none', () => {
    expect(text).not.toMatch(/^\s*open /m);
    expect(bannerLines({ ...summary, tcp: undefined }, '/w').join('\n')).not.toMatch(/TCP /);
  });
});
