import { describe, expect, it } from 'vitest';
import type { StageState } from '@api-server/core';
import { age, changeReport, formatTable, heldReport, overallExitCode, statusRows } from './status-report.js';

const now = new Date('2026-11-23T12:00:00Z');
const state = (over: Partial<StageState>): StageState => ({
  component: 's3-sync',
  version: '0.1.0',
  status: 'ok',
  current: 'abc123',
  lastSuccessAt: '2026-11-23T11:59:50Z',
  lastAttemptAt: '2026-11-23T11:59:50Z',
  lastError: null,
  counters: {},
  ...over,
});

describe('age', () => {
  it.each([
    [null, 'never'],
    ['2026-11-23T11:59:50Z', '10s ago'],
    ['2026-11-23T11:50:00Z', '10m ago'],
    ['2026-11-23T06:00:00Z', '6h ago'],
    ['2026-11-20T12:00:00Z', '3d ago'],
  ])('%s -> %s', (iso, want) => expect(age(iso, now)).toBe(want));
});

describe('statusRows', () => {
  it('lists every stage in pipeline order, with absent ones and the error context', () => {
    const states = new Map<string, StageState | Error>([
      [
        'renderer',
        state({
          component: 'renderer',
          status: 'degraded',
          lastError: { at: '2026-11-23T11:59:00Z', code: 'TEMPLATE_PARSE', message: 'Parse error on line 3\n...', context: { template: '50-web.cfg.hbs', line: 3 } },
        }),
      ],
      ['s3-sync', state({})],
    ]);
    const rows = statusRows(states, now);
    expect(rows.map((r) => r.component)).toEqual(['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics']);
    expect(rows[1]?.lastError).toBe('60s ago: TEMPLATE_PARSE: Parse error on line 3 (template=50-web.cfg.hbs line=3)');
    expect(rows[2]).toMatchObject({ status: 'absent' });
    expect(overallExitCode(rows)).toBe(1);
    expect(overallExitCode([rows[0]!])).toBe(0);
    const table = formatTable(rows).split('\n');
    expect(table[0]).toMatch(/^STAGE\s+STATUS\s+CURRENT\s+LAST SUCCESS\s+LAST ERROR$/);
    expect(table[1]).toMatch(/^s3-sync\s+ok\s+abc123\s+10s ago\s+-$/);
  });
});

describe('heldReport', () => {
  it('lists the renderer\'s held files with template, line, code, age and reason; nothing when none', () => {
    const held = [
      { file: '60-loop.cfg', template: '60-loop.cfg.hbs', since: '2026-11-23T11:57:00Z', code: 'TEMPLATE_TIMEOUT', reason: '60-loop.cfg.hbs: rendering took longer than RENDER_TIMEOUT_MS (5000 ms); stopped' },
      { file: '70-x.cfg', template: '70-x.cfg.hbs', since: '2026-11-23T11:59:30Z', code: 'TEMPLATE_RENDER', reason: 'bad\u001b[2J\nthing', line: 4 },
    ];
    const report = heldReport(new Map([['renderer', state({ component: 'renderer', status: 'degraded', held })]]), now).split('\n');
    expect(report[0]).toMatch(/^HELD FILES/);
    expect(report[1]).toBe('  60-loop.cfg  from 60-loop.cfg.hbs  TEMPLATE_TIMEOUT  since 3m ago: 60-loop.cfg.hbs: rendering took longer than RENDER_TIMEOUT_MS (5000 ms); stopped');
    expect(report[2]).toBe('  70-x.cfg  from 70-x.cfg.hbs:4  TEMPLATE_RENDER  since 30s ago: bad [2J thing');
    expect(heldReport(new Map([['renderer', state({ component: 'renderer', held: [] })]]), now)).toBe('');
    expect(heldReport(new Map([['s3-sync', state({})]]), now)).toBe('');
  });
});

describe('heldReport: the supervisor', () => {
  it('names each held file, its template line, since when, why and what runs', () => {
    const states = new Map<string, StageState | Error>([
      ['s3-sync', state({})],
      ['haproxy-supervisor', state({ component: 'haproxy-supervisor', status: 'degraded', held: [
        { file: '50-a.cfg', template: '50-a.cfg.hbs', since: '2026-11-23T11:58:00Z', code: 'HAPROXY_CHECK', reason: "unknown keyword 'balanse'", line: 3, runs: 'live' },
        { file: '0-early.cfg', template: null, since: '2026-11-23T11:59:00Z', code: 'POLICY_FILE_ORDER', reason: 'sorts before the global file', line: null, runs: 'none' },
      ] })],
      ['renderer', new Error('unreadable')],
    ]);
    expect(heldReport(states, now).split('\n')).toEqual([
      expect.stringMatching(/^HELD FILES \(haproxy-supervisor: /),
      "  50-a.cfg  from 50-a.cfg.hbs:3  HAPROXY_CHECK  since 2m ago: unknown keyword 'balanse'  (last good output runs)",
      '  0-early.cfg  from 0-early.cfg  POLICY_FILE_ORDER  since 60s ago: sorts before the global file  (left out)',
    ]);
  });
});

describe('changeReport', () => {
  it('shows each stage of the last change as time since the previous mark; control characters blanked', () => {
    const states = new Map<string, StageState | Error>([
      ['renderer', state({ component: 'renderer', lastChange: { query: 'health.service(web)', index: '42', seenAt: '2026-11-23T11:59:57Z', changes: 1, ms: { passStart: 21, rendered: 30, published: 34 } } })],
      ['haproxy-supervisor', state({ component: 'haproxy-supervisor', lastChange: { query: 'kv\u001b[2J', index: '43', seenAt: '2026-11-23T11:59:58Z', changes: 3, method: 'runtime', ms: { passStart: 21, rendered: 30, supervisorSaw: 36, applied: 40 } } })],
    ]);
    expect(changeReport(states, now).split('\n')).toEqual([
      'LAST CHANGE (ms from the renderer seeing the Consul change)',
      '  renderer: health.service(web) index 42, seen 3s ago: wait 21 ms, render 9 ms, publish 4 ms; total 34 ms',
      '  haproxy-supervisor: kv [2J index 43 +2 more, seen 2s ago: wait 21 ms, render 9 ms, to supervisor 6 ms, apply (runtime) 4 ms; total 40 ms',
    ]);
  });

  it('nothing when no stage reports a change', () => {
    expect(changeReport(new Map([['renderer', state({})]]), now)).toBe('');
  });
});
