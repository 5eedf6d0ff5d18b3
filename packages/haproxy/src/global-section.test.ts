import { describe, expect, it } from 'vitest';
import { renderGlobal, sortsBeforeGlobal, LOG_RING } from './global-section.js';

const base = {
  adminSocket: '/shared/run/haproxy-admin.sock',
  serverStateFile: '/shared/run/haproxy-server-state',
  syslogTcp: { host: '127.0.0.1', port: 5141 },
  syslogUdp: null,
  hardStopAfter: '30s',
  closeSpreadTime: '5s',
  maxReloads: 50,
};

describe('renderGlobal', () => {
  it.each([
    ['admin socket with fd passing', base, '  stats socket /shared/run/haproxy-admin.sock mode 600 level admin expose-fd listeners'],
    ['server state file', base, '  server-state-file /shared/run/haproxy-server-state'],
    ['ring log target', base, `  log ring@${LOG_RING} local0`],
    ['ring forwards octet-counted', base, '  server log-shipper 127.0.0.1:5141 log-proto octet-count'],
    ['udp target', { ...base, syslogUdp: { host: '127.0.0.1', port: 5140 } }, '  log 127.0.0.1:5140 local0'],
    ['ipv6 target bracketed', { ...base, syslogUdp: { host: '::1', port: 5140 } }, '  log [::1]:5140 local0'],
    ['hard-stop-after', { ...base, hardStopAfter: '1m' }, '  hard-stop-after 1m'],
    ['max reloads', { ...base, maxReloads: 7 }, '  mworker-max-reloads 7'],
    ['close-spread-time', base, '  close-spread-time 5s'],
  ])('%s', (_name, opts, line) => {
    expect(renderGlobal(opts).split('\n')).toContain(line);
  });

  it('no ring when the TCP target is disabled', () => {
    const out = renderGlobal({ ...base, syslogTcp: null });
    expect(out).not.toContain('ring');
    expect(out).not.toContain('log ');
  });

  it.each(['0', '0s', '0ms'])('close-spread-time %s is left out', (closeSpreadTime) => {
    expect(renderGlobal({ ...base, closeSpreadTime })).not.toContain('close-spread-time');
  });

  it('is deterministic', () => {
    expect(renderGlobal(base)).toBe(renderGlobal({ ...base }));
  });
});

describe('sortsBeforeGlobal', () => {
  it.each([
    [['00-defaults.cfg', '50-web.cfg', '10-x.cfg'], []],
    [['0-a.cfg', '+x.cfg', '-y.cfg', '0-z.cfg'], ['0-a.cfg', '+x.cfg', '-y.cfg']],
    [['0-a.map', 'maps/0-a.cfg'], []],
  ])('%j', (paths, expected) => {
    expect(sortsBeforeGlobal(paths)).toEqual(expected);
  });
});
