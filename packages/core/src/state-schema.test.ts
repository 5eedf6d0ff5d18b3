import { describe, expect, it } from 'vitest';
import { parseStateFile } from './state-schema.js';

const base = {
  version: '0.1.0',
  status: 'ok',
  current: 'abc',
  lastSuccessAt: '2027-01-03T10:00:00.000Z',
  lastAttemptAt: '2027-01-03T10:00:00.000Z',
  lastError: null,
  counters: { published: 1 },
};

describe('parseStateFile', () => {
  it.each([
    ['s3-sync', { source: 's3://b/p/', mode: 'release', release: 'r1', releaseMeta: { commit: 'x' }, location: 's3://b/p/releases/r1/' }],
    ['s3-sync (failing)', { component: 's3-sync', status: 'failing', current: null, consecutiveFailures: 3, retryInMs: 4000, lastError: { at: 'now', message: 'no', code: 'S3_UNREACHABLE', context: { key: 'p/CURRENT' } } }],
    ['renderer', { held: [{ file: 'a.cfg', template: 'a.cfg.hbs', since: 't', code: 'TEMPLATE_RENDER', reason: 'x', line: 3 }], refused: [{ query: 'q', field: 'address', reason: 'bad' }], refusedTotal: 1, waitingFor: [], templates: 'tid', errors: [] }],
    ['haproxy-supervisor', { held: [{ file: 'a.cfg', template: null, since: 't', code: 'HAPROXY_CHECK', reason: 'x', line: null, runs: 'live' }], haproxy: { running: true, adopted: false, masterPid: 1, reloads: 2, failedReloads: 0, workers: [{ pid: 2, reloads: 0, uptime: '1s' }] }, lastUpdate: { method: 'runtime', reason: 'servers', at: 't', commands: 4 }, rendered: 'r', lastRuntimeFallback: { failure: 'check-failed', reason: 'x', rendered: 'r', at: 't' } }],
    ['log-shipper', { logFile: '/shared/logs/haproxy.log', logFileBytes: 10, inputPaused: false, sinkBufferBytes: { file: 0 } }],
    ['metrics', { position: { inode: 1, offset: 2, head: 'h', headLength: 3 }, logFile: null, statsSocket: '/run/s.sock', haproxyUp: true }],
    ['registrator', { services: 2, containers: 3, refused: [{ container: 'web', id: 'c1', problems: ['api.port: not a port'] }] }],
    ['a component this version does not know', { component: 'newcomer', whatever: [1, 2] }],
  ])('accepts a %s state file', (name, extra) => {
    const value = { ...base, component: name.split(' ')[0], ...extra };
    const parsed = parseStateFile(value);
    expect(parsed).toEqual({ ok: true, state: value });
  });

  it.each([
    ['a status outside the three', { component: 'renderer', status: 'fine' }, 'status'],
    ['a counter that is not a number', { component: 'metrics', counters: { lines: 'many' } }, 'counters.lines'],
    ['a renderer held entry without a file', { component: 'renderer', held: [{ template: 't', since: 's', code: 'c', reason: 'r' }] }, 'held.0.file'],
    ['a supervisor held entry with an unknown runs', { component: 'haproxy-supervisor', held: [{ file: 'a', template: null, since: 's', code: 'c', reason: 'r', line: null, runs: 'maybe' }] }, 'held.0.runs'],
    ['an s3-sync mode outside release|tree', { component: 's3-sync', mode: 'ftp' }, 'mode'],
    ['a registrator refusal without problems', { component: 'registrator', refused: [{ container: 'web', id: 'c1' }] }, 'refused.0.problems'],
    ['a lastError without a message', { component: 'log-shipper', lastError: { at: 't', code: 'X' } }, 'lastError.message'],
    ['no version', { component: 'renderer', version: undefined }, 'version'],
  ])('refuses %s, naming the field', (_name, patch, field) => {
    const parsed = parseStateFile({ ...base, ...patch });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.join('\n')).toContain(`${field}:`);
  });

  it('never throws on a value that is not an object', () => {
    for (const value of [null, 42, 'x', [], undefined]) expect(parseStateFile(value).ok).toBe(false);
  });
});
