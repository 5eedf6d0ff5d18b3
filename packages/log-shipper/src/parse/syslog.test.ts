import { describe, expect, it } from 'vitest';
import { parseSyslog } from './syslog.js';

describe('parseSyslog', () => {
  const cases: Array<[string, string, Partial<ReturnType<typeof parseSyslog>>]> = [
    [
      'HAProxy ring, rfc5424',
      '<134>1 2026-11-23T22:14:17.098245+00:00 - haproxy 6981 - - 127.0.0.1:60570 [23/Nov/2026:22:14:17.090] fe be/s1 0/0/0/7/7 200 112',
      { format: 'rfc5424', pri: 134, facility: 16, severity: 6, timestamp: '2026-11-23T22:14:17.098245+00:00', hostname: null, appName: 'haproxy', procId: '6981', msgId: null, structuredData: null, message: '127.0.0.1:60570 [23/Nov/2026:22:14:17.090] fe be/s1 0/0/0/7/7 200 112' },
    ],
    [
      'rfc5424 with structured data and BOM',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventID="1011"][x a="b\\]c"] \uFEFFAn application event',
      { format: 'rfc5424', pri: 165, hostname: 'mymachine.example.com', appName: 'evntslog', procId: null, msgId: 'ID47', structuredData: '[exampleSDID@32473 iut="3" eventID="1011"][x a="b\\]c"]', message: 'An application event' },
    ],
    ['rfc5424 without message', '<14>1 - - - - - -', { format: 'rfc5424', timestamp: null, message: '' }],
    [
      'HAProxy UDP, rfc3164 without hostname',
      '<134>Nov 23 22:14:17 haproxy[6981]: 127.0.0.1:60570 [23/Nov/2026:22:14:17.090] fe',
      { format: 'rfc3164', pri: 134, timestamp: 'Nov 23 22:14:17', hostname: null, appName: 'haproxy', procId: '6981', message: '127.0.0.1:60570 [23/Nov/2026:22:14:17.090] fe' },
    ],
    [
      'rfc3164 with hostname and space-padded day',
      '<34>Oct  1 22:14:15 mymachine su: \'su root\' failed',
      { format: 'rfc3164', timestamp: 'Oct  1 22:14:15', hostname: 'mymachine', appName: 'su', procId: null, message: "'su root' failed" },
    ],
    ['rfc3164 with no tag', '<13>Oct 11 22:14:15 just some words', { format: 'rfc3164', hostname: null, appName: null, message: 'just some words' }],
    ['rfc3164 with no timestamp', '<13>hello world', { format: 'rfc3164', timestamp: null, message: 'hello world' }],
    ['priority too large', '<192>1 - - - - - - x', { format: 'none', message: '<192>1 - - - - - - x' }],
    ['priority with leading zero', '<013>x', { format: 'none' }],
    ['priority not closed', '<1345>x', { format: 'none' }],
    ['no priority', 'hello', { format: 'none', pri: null, message: 'hello' }],
    ['empty', '', { format: 'none', message: '' }],
    ['rfc5424 truncated header', '<14>1 2026-01-01T00:00:00Z host', { format: 'none' }],
    ['rfc5424 unterminated SD', '<14>1 - - - - - [a b="c', { format: 'none' }],
    ['<0> is valid', '<0>1 - - - - - - kernel', { format: 'rfc5424', pri: 0, facility: 0, severity: 0, message: 'kernel' }],
  ];
  it.each(cases)('%s', (_name, line, expected) => {
    expect(parseSyslog(line)).toMatchObject(expected);
  });
});
