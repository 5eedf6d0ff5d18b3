import { describe, expect, it } from 'vitest';
import { findingColumn, parseHaproxyOutput } from './haproxy-output.js';

const OUTPUT = `[NOTICE]   (24239) : haproxy version is 2.6.12-1+deb12u4
[ALERT]    (24239) : config : parsing [/tmp/x/release/20-x.cfg:8] : unknown keyword 'bogus' in 'frontend' section
[ALERT]    (24239) : config : Error(s) found in configuration file : /tmp/x/release/20-x.cfg
[WARNING]  (24239) : config : parsing [/tmp/x/release/30-y.cfg:3] : 'option httplog' not usable with backend 'b'
[ALERT]    (24247) : config : Parsing [/tmp/x/release/20-x.cfg:11]: backend 'b' has the same name as backend 'b' declared at /tmp/x/release/20-x.cfg:9.
[ALERT]    (1) : config : Proxy 'http': unable to find required default_backend: 'nope'.
[ALERT]    (24239) : config : Fatal errors found in configuration.`;

describe('parseHaproxyOutput', () => {
  it('keeps findings with file and line relative to the checked dir, drops summaries', () => {
    expect(parseHaproxyOutput(OUTPUT, '/tmp/x/release')).toEqual([
      { severity: 'error', file: '20-x.cfg', line: 8, message: "unknown keyword 'bogus' in 'frontend' section" },
      { severity: 'warning', file: '30-y.cfg', line: 3, message: "'option httplog' not usable with backend 'b'", proxy: 'b', proxyKind: 'backend' },
      { severity: 'error', file: '20-x.cfg', line: 11, message: "backend 'b' has the same name as backend 'b' declared at 20-x.cfg:9.", proxy: 'b', proxyKind: 'backend' },
      { severity: 'error', message: "Proxy 'http': unable to find required default_backend: 'nope'.", proxy: 'http' },
    ]);
  });
});

describe('findingColumn', () => {
  it.each([
    ["unknown keyword 'bogus' in 'frontend' section", '    bogus x', 5],
    ['no quotes here', '  server a', 3],
    ["'zzz' not there", 'x', 1],
  ])('%s', (message, text, col) => expect(findingColumn(message, text)).toBe(col));
});
