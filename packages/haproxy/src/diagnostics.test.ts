import { describe, expect, it } from 'vitest';
import { findingColumn, parseDiagnostics, placeDiagnostics, primaryDiagnostic } from './diagnostics.js';

const CHECK_UNKNOWN_KEYWORD = `[NOTICE]   (5378) : haproxy version is 2.6.12-1+deb12u4
[NOTICE]   (5378) : path to executable is /usr/sbin/haproxy
[ALERT]    (5378) : config : parsing [/shared/live/.check-1a2b/60-bad.cfg:2] : unknown keyword 'foo' in 'backend' section
[ALERT]    (5378) : config : Error(s) found in configuration file : /shared/live/.check-1a2b/60-bad.cfg
[ALERT]    (5378) : config : Fatal errors found in configuration.
`;
const CHECK_MISSING_MAP = `[ALERT]    (5382) : config : Parsing [/shared/live/.check-1a2b/50-web.cfg:11]: failed to parse use_backend rule '%[req.hdr(host),map(maps/hosts.map,be)]' : failed to open pattern file <maps/hosts.map>.
[ALERT]    (5382) : config : Fatal errors found in configuration.
`;
const RELOAD_BIND = `[NOTICE]   (719) : Reloading HAProxy
[WARNING]  (1295) : Paused frontend fe.
[ALERT]    (719) : Binding [/shared/live/current/50-web.cfg:10] for frontend fe: cannot bind socket (Address already in use) for [127.0.0.1:18095]
[ALERT]    (719) : [haproxy.main()] Some protocols failed to start their listeners! Exiting.
[WARNING]  (719) : Loading failure!
`;
const WARNING_CONTINUED = `[WARNING]  (5619) : config : missing timeouts for backend 'b'.
   | While not properly invalid, you will certainly encounter various problems
   | with such a configuration.
[NOTICE]   (5619) : something else
   | not a continuation of the warning
`;

describe('parseDiagnostics', () => {
  it.each([
    ['unknown keyword', CHECK_UNKNOWN_KEYWORD, ['/shared/live/.check-1a2b'], { level: 'alert', file: '60-bad.cfg', line: 2, message: "parsing [60-bad.cfg:2] : unknown keyword 'foo' in 'backend' section" }],
    ['missing map (capital P, no space)', CHECK_MISSING_MAP, ['/shared/live/.check-1a2b'], { level: 'alert', file: '50-web.cfg', line: 11 }],
    ['bind failure at reload', RELOAD_BIND, ['/shared/live/current'], { level: 'alert', file: '50-web.cfg', line: 10 }],
    ['no roots: absolute path kept', CHECK_UNKNOWN_KEYWORD, [], { file: '/shared/live/.check-1a2b/60-bad.cfg', line: 2 }],
  ])('%s', (_name, output, roots, expected) => {
    expect(primaryDiagnostic(parseDiagnostics(output, roots))).toMatchObject(expected);
  });

  it('drops notices and joins continuation lines to warnings only', () => {
    const diags = parseDiagnostics(WARNING_CONTINUED);
    expect(diags).toHaveLength(1);
    expect(diags[0]!.message).toBe("missing timeouts for backend 'b'. While not properly invalid, you will certainly encounter various problems with such a configuration.");
  });

  it('primary is a real alert when none names a line', () => {
    const out = '[ALERT] (1) : config : Fatal errors found in configuration.\n[ALERT] (1) : config : cannot find backend x\n';
    expect(primaryDiagnostic(parseDiagnostics(out))?.message).toBe('cannot find backend x');
  });

  it('no alerts: no primary', () => {
    expect(primaryDiagnostic(parseDiagnostics(WARNING_CONTINUED))).toBeUndefined();
  });
});


const APICTL_OUTPUT = `[NOTICE]   (24239) : haproxy version is 2.6.12-1+deb12u4
[ALERT]    (24239) : config : parsing [/tmp/x/release/20-x.cfg:8] : unknown keyword 'bogus' in 'frontend' section
[ALERT]    (24239) : config : Error(s) found in configuration file : /tmp/x/release/20-x.cfg
[WARNING]  (24239) : config : parsing [/tmp/x/release/30-y.cfg:3] : 'option httplog' not usable with backend 'b'
[ALERT]    (24247) : config : Parsing [/tmp/x/release/20-x.cfg:11]: backend 'b' has the same name as backend 'b' declared at /tmp/x/release/20-x.cfg:9.
[ALERT]    (1) : config : Proxy 'http': unable to find required default_backend: 'nope'.
[ALERT]    (24239) : config : Fatal errors found in configuration.`;

// Moved from apictl's former haproxy-output parser: the same findings, read through the one parser.
describe('parseDiagnostics as apictl reads it', () => {
  it('keeps findings with file and line relative to the checked dir, drops summaries', () => {
    const findings = parseDiagnostics(APICTL_OUTPUT, ['/tmp/x/release'])
      .filter((d) => !d.summary)
      .map(({ level, file, line, detail, proxy, proxyKind }) => ({
        severity: level === 'alert' ? 'error' : 'warning',
        ...(file !== undefined ? { file, line } : {}),
        message: detail,
        ...(proxy !== undefined ? { proxy } : {}),
        ...(proxyKind !== undefined ? { proxyKind } : {}),
      }));
    expect(findings).toEqual([
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

describe('placeDiagnostics', () => {
  const proxies = [
    { kind: 'frontend', name: 'http', file: '20-http.cfg', line: 4 },
    { kind: 'backend', name: 'b from base', file: '50-b.cfg', line: 1 },
  ];
  const place = (output: string) => placeDiagnostics(parseDiagnostics(output, ['/d']), proxies).map((p) => `${p.file ?? '-'}:${p.line ?? '-'}`);
  it.each([
    ['file and line', "[ALERT] (1) : config : parsing [/d/50-a.cfg:2] : unknown keyword 'x' in 'backend' section\n[ALERT] (1) : config : Error(s) found in configuration file : /d/50-a.cfg\n", ['50-a.cfg:2']],
    ['(at file:line) of a post-parsing check', "[ALERT] (1) : config : proxy 'b': unknown http-errors section 'nosuch' (at /d/50-b.cfg:3).\n", ['50-b.cfg:3']],
    ['a proxy only: its declaration', "[ALERT] (1) : config : Proxy 'http': unable to find required default_backend: 'nope'.\n", ['20-http.cfg:4']],
    ['a backend "from" a defaults', "[ALERT] (1) : config : backend 'b': bad\n", ['50-b.cfg:1']],
    ['nothing but the summary: its file, no line', "[ALERT] (1) : config : Size not specified for cache 'c'\n[ALERT] (1) : config : Error(s) found in configuration file : /d/30-c.cfg\n[ALERT] (1) : config : Fatal errors found in configuration.\n", ['30-c.cfg:-']],
    ['nowhere', "[ALERT] (1) : config : userlist 'u': no such user 'nobody' specified in group 'g'\n[ALERT] (1) : config : Fatal errors found in configuration.\n", ['-:-']],
  ])('%s', (_name, output, expected) => expect(place(output)).toEqual(expected));
});
