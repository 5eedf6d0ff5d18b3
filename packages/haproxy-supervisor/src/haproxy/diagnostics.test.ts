import { describe, expect, it } from 'vitest';
import { parseDiagnostics, primaryDiagnostic } from './diagnostics.js';

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
