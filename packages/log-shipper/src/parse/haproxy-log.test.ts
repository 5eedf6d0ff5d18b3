import { describe, expect, it } from 'vitest';
import { parseHaproxyLog } from './haproxy-log.js';
import { parseLogLine } from './record.js';

describe('parseHaproxyLog', () => {
  it('parses an httplog line with captures (as HAProxy 2.6 writes it)', () => {
    expect(
      parseHaproxyLog('127.0.0.1:60570 [23/Nov/2026:22:14:17.090] fe be/s1 0/0/0/7/7 200 112 - - ---- 1/1/0/0/0 0/0 {localhost:28081|Mozilla/5.0 (X11)} {a} "GET /a?b=c HTTP/1.1"'),
    ).toEqual({
      kind: 'http', clientIp: '127.0.0.1', clientPort: 60570, acceptDate: '23/Nov/2026:22:14:17.090', frontend: 'fe', tls: false,
      backend: 'be', server: 's1', tq: 0, tw: 0, tc: 0, tr: 7, ta: 7, status: 200, bytesRead: 112, requestCookie: null, responseCookie: null,
      terminationState: '----', actconn: 1, feconn: 1, beconn: 0, srvConn: 0, retries: 0, srvQueue: 0, backendQueue: 0,
      requestHeaders: ['localhost:28081', 'Mozilla/5.0 (X11)'], responseHeaders: ['a'], request: 'GET /a?b=c HTTP/1.1', method: 'GET', uri: '/a?b=c', httpVersion: 'HTTP/1.1',
    });
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['no captures, TLS frontend, aborted timers', '10.0.0.1:1 [01/Jan/2026:00:00:00.000] web~ be/<NOSRV> -1/-1/-1/-1/0 503 217 - - SC-- 0/0/0/0/0 0/0 "GET / HTTP/1.1"',
      { kind: 'http', frontend: 'web', tls: true, server: '<NOSRV>', tq: -1, ta: 0, status: 503, terminationState: 'SC--', requestHeaders: null, responseHeaders: null }],
    ['logasap and retries marker', '1.2.3.4:5 [d] fe be/s 1/0/0/1/+2 200 +100 - - ---- 1/1/1/1/+1 0/0 "POST /x HTTP/2.0"',
      { kind: 'http', ta: 2, bytesRead: 100, retries: 1, method: 'POST', httpVersion: 'HTTP/2.0' }],
    ['bad request', '1.2.3.4:5 [d] fe fe/<NOSRV> -1/-1/-1/-1/0 400 0 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"',
      { kind: 'http', status: 400, request: '<BADREQ>', method: null, uri: null, httpVersion: null }],
    ['IPv6 client', '::1:4242 [d] fe be/s 0/0/0/0/0 200 1 - - ---- 0/0/0/0/0 0/0 "GET / HTTP/1.1"', { kind: 'http', clientIp: '::1', clientPort: 4242 }],
    ['tcplog', '127.0.0.1:45522 [23/Nov/2026:22:14:17.118] tcpfe tcpfe/s1 1/0/10 137 -- 1/1/0/0/0 0/0',
      { kind: 'tcp', frontend: 'tcpfe', backend: 'tcpfe', server: 's1', tw: 1, tc: 0, tt: 10, bytesRead: 137, terminationState: '--', actconn: 1, backendQueue: 0 }],
  ])('%s', (_n, msg, expected) => {
    expect(parseHaproxyLog(msg)).toMatchObject(expected);
  });

  it.each([
    'Proxy fe started.',
    'Server be/s1 is DOWN, reason: Layer4 connection problem',
    '',
    '1.2.3.4:5 [d] fe be/s 0/0/0/0 200 1 - - ---- 0/0/0/0/0 0/0 "GET / HTTP/1.1"',
    '1.2.3.4:x [d] fe be/s 0/0/0/0/0 200 1 - - ---- 0/0/0/0/0 0/0 "GET / HTTP/1.1"',
    '1.2.3.4:5 [d] fe be/s 0/0/0/0/0 200 1 - - ---- 0/0/0/0/0 0/0 "GET / HTTP/1.1',
    '1.2.3.4:5 [d] fe be/s 0/0/0/0/0 2xx 1 - - ---- 0/0/0/0/0 0/0 "GET / HTTP/1.1"',
    '1.2.3.4:5 [d] fe be/s 0/0/0 1 -- 0/0/0/0/0 0/0 trailing',
    '1.2.3.4:5 [d] fe be/s 0/0/0 1 -- 0/0/0/0 0/0',
  ])('keeps %j as other', (msg) => {
    expect(parseHaproxyLog(msg)).toEqual({ kind: 'other', message: msg });
  });
});

describe('parseLogLine', () => {
  it('combines the syslog header and the HAProxy fields', () => {
    expect(parseLogLine('<134>1 2026-11-23T22:14:17Z - haproxy 6981 - - 127.0.0.1:45522 [d] t t/s1 1/0/10 137 -- 1/1/0/0/0 0/0')).toMatchObject({
      kind: 'tcp', syslogFormat: 'rfc5424', facility: 'local0', severity: 'info', appName: 'haproxy', procId: '6981', tt: 10,
    });
  });
  it('keeps a line without a syslog header as raw', () => {
    expect(parseLogLine('\uFFFDgarbage')).toEqual({ kind: 'raw', message: '\uFFFDgarbage' });
  });
});
