import { describe, expect, it } from 'vitest';
import { codeClass, LogMetrics, terminationState } from './log-metrics.js';

const http = (status: string, timers = '0/0/1/7/9', bytes = '112', ts = '----', fe = 'fe', be = 'be') =>
  `<134>Nov 23 22:14:17 haproxy[6981]: 127.0.0.1:60570 [23/Nov/2026:22:14:17.090] ${fe} ${be}/s1 ${timers} ${status} ${bytes} - - ${ts} 1/1/0/0/0 0/0 "GET /a HTTP/1.1"`;

describe('codeClass / terminationState', () => {
  it.each([[200, '2xx'], [101, '1xx'], [599, '5xx'], [-1, 'other'], [600, 'other'], [99, 'other']])('%d -> %s', (s, want) => {
    expect(codeClass(s)).toBe(want);
  });
  it.each([['----', '--'], ['CD--', 'CD'], ['sH', 'sH'], ['', '??'], ['1x--', '??']])('%j -> %s', (s, want) => {
    expect(terminationState(s)).toBe(want);
  });
});

describe('LogMetrics.processLine', () => {
  it.each([
    [http('200'), 'http'],
    ['<134>1 2026-11-23T22:14:17Z - haproxy 6981 - - 127.0.0.1:45522 [d] t t/s1 1/0/10 137 -- 1/1/0/0/0 0/0', 'tcp'],
    ['<133>Nov 23 22:14:17 haproxy[1]: Proxy fe started.', 'other'],
    ['not syslog at all', 'unparsed'],
    ['', 'empty'],
  ])('%j is %s', (line, want) => {
    expect(new LogMetrics({ maxSeries: 10, ttlMs: 1000 }).processLine(line)).toBe(want);
  });

  it('counts requests by frontend, backend and status class, with timers, bytes and termination', async () => {
    const m = new LogMetrics({ maxSeries: 100, ttlMs: 60_000 });
    m.processLine(http('200'));
    m.processLine(http('204', '0/0/1/20/30', '0'));
    m.processLine(http('503', '-1/-1/-1/-1/0', '217', 'SC--', 'fe', 'other'));
    m.processLine(http('-1', '5/0/0/-1/6', '0', 'CD--'));
    expect(m.requests.get(['fe', 'be', '2xx'])).toBe(2);
    expect(m.requests.get(['fe', 'other', '5xx'])).toBe(1);
    expect(m.requests.get(['fe', 'be', 'other'])).toBe(1);
    expect(m.responseBytes.get(['fe', 'be'])).toBe(112);
    expect(m.terminations.get(['fe', 'other', 'SC'])).toBe(1);
    expect(m.terminations.get(['fe', 'be', 'CD'])).toBe(1);
    const text = await m.render();
    // -1 timers are not observed: 3 of 4 requests sent a response header time.
    expect(text).toContain('haproxy_http_response_duration_seconds_count{backend="be"} 2\n');
    expect(text).toContain('haproxy_http_total_duration_seconds_count{backend="other"} 1\n');
    expect(text).toContain('haproxy_http_total_duration_seconds_sum{backend="be"} 0.045\n');
  });
});
