import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPolicy } from './check.js';
import { DEFAULT_POLICY } from './default.js';
import { globToRegExp } from './glob.js';
import { resolvePolicy } from './resolve.js';
import { parsePolicy } from './schema.js';

const f = (path: string, text: string) => ({ path, data: Buffer.from(text, 'utf8') });
const verdict = (files: Record<string, string>, policy = DEFAULT_POLICY) =>
  checkPolicy(policy, Object.entries(files).map(([p, t]) => f(p, t))).map((v) => `${v.code} ${v.file}:${v.line ?? '-'} ${v.directive ?? '-'}`);

describe('checkPolicy with the built-in default', () => {
  it.each([
    ['a team backend', { '50-web.cfg': 'backend web\n  balance roundrobin\n  server a 10.0.0.1:80 check\n' }, []],
    ['team userlist and http-errors', { '50-web.cfg': 'userlist u\n  user admin insecure-password x\nhttp-errors e\n  errorfile 503 errors/503.http\n' }, []],
    ['program section in a team file', { '50-x.cfg': 'backend x\nprogram evil\n  command /bin/sh -c id\n' }, ['POLICY_SECTION 50-x.cfg:2 program']],
    ['program section in a platform file', { '20-x.cfg': 'program evil\n  command /bin/sh\n' }, ['POLICY_SECTION 20-x.cfg:1 program']],
    ['global in a team file', { '50-x.cfg': 'global\n  stats socket /tmp/a.sock level admin\n' }, ['POLICY_SECTION 50-x.cfg:1 global']],
    ['global in a platform file', { '40-x.cfg': 'global\n  localpeer a\n' }, ['POLICY_SECTION 40-x.cfg:1 global']],
    ['frontend in a team file', { '50-x.cfg': 'frontend f\n  bind :80\n' }, ['POLICY_SECTION 50-x.cfg:1 frontend']],
    ['defaults in a team file', { '50-x.cfg': 'defaults\n  mode tcp\n' }, ['POLICY_SECTION 50-x.cfg:1 defaults']],
    ['lua action in a backend', { '50-x.cfg': 'backend x\n  http-request lua.run\n' }, ['POLICY_DIRECTIVE 50-x.cfg:2 http-request lua.run']],
    ['lua-load anywhere', { '20-x.cfg': 'frontend f\n  lua-load /x.lua\n' }, ['POLICY_DIRECTIVE 20-x.cfg:2 lua-load']],
    ['external check', { '50-x.cfg': 'backend x\n  option external-check\n  external-check command /bin/true\n' }, ['POLICY_DIRECTIVE 50-x.cfg:2 option external-check', 'POLICY_DIRECTIVE 50-x.cfg:3 external-check']],
    ['stats in a team backend', { '50-x.cfg': 'backend x\n  stats enable\n  stats admin if TRUE\n' }, ['POLICY_DIRECTIVE 50-x.cfg:2 stats', 'POLICY_DIRECTIVE 50-x.cfg:3 stats']],
    ['stats in a platform frontend', { '10-x.cfg': 'frontend s\n  bind :8404\n  stats enable\n' }, []],
    ['an environment variable', { '50-x.cfg': 'backend x\n  http-response set-header X "${AWS_SECRET_ACCESS_KEY}"\n  http-response set-header Y \'$HOME\' # "$HOME"\n' }, ['POLICY_ENV 50-x.cfg:2 http-response']],
    ['an absolute errorfile', { '50-x.cfg': 'backend x\n  errorfile 503 /etc/shadow\n' }, ['POLICY_FILE_PATH 50-x.cfg:2 errorfile']],
    ['a return file leaving the release', { '50-x.cfg': 'backend x\n  http-request return status 200 file ../../etc/passwd\n' }, ['POLICY_FILE_PATH 50-x.cfg:2 http-request']],
    ['a map outside the release', { '50-x.cfg': 'backend x\n  http-request set-var(txn.x) req.hdr(host),map(/etc/passwd)\n' }, ['POLICY_FILE_PATH 50-x.cfg:2 http-request']],
    ['a platform file naming a mounted certificate', { '20-x.cfg': 'frontend f\n  bind :443 ssl crt /etc/ssl/private/site.pem\n' }, []],
    ['an ACL file inside the release', { '20-x.cfg': 'frontend f\n  acl a src -f acl/allow.acl\n' }, []],
    ['the reserved global file', { '0-haproxy-supervisor.cfg': 'backend x\n' }, ['POLICY_RESERVED_FILE 0-haproxy-supervisor.cfg:- -']],
    ['a file sorting before the global file', { '0-early.cfg': 'backend x\n', '00-defaults.cfg': 'defaults\n' }, ['POLICY_FILE_ORDER 0-early.cfg:- -']],
    ['files HAProxy does not load', { 'maps/x.cfg': 'global\n', 'README.md': 'program x\n' }, []],
  ])('%s', (_name, files, expected) => {
    expect(verdict(files)).toEqual(expected);
  });

  it('names the rule that decided, with line and column', () => {
    const [v] = checkPolicy(DEFAULT_POLICY, [f('50-x.cfg', 'backend x\n    bind :80\n')]);
    expect(v).toMatchObject({ code: 'POLICY_DIRECTIVE', line: 2, column: 5, directive: 'bind', rule: 'files: 50-*.cfg / forbid' });
  });
});

describe('a policy.yaml', () => {
  const yaml = `version: 1
forbid:
  "*": [lua-*]
rules:
  - files: ["40-peers.cfg"]
    sections: [global, peers, backend]
    only:
      global: [localpeer]
  - files: ["50-*.cfg"]
    sections: [backend]
    bindPorts: [8080, "9000-9100"]
  - files: ["1?-*.cfg", "2[0-4]-*.cfg"]
    sections: [frontend]
    bindPorts: [80, "8000-8999"]
`;
  const parsed = parsePolicy(yaml);
  if (!parsed.ok) throw new Error(parsed.error.message);
  it.each([
    ['global with only localpeer', { '40-peers.cfg': 'global\n  localpeer n1\npeers p\n  peer n1 10.0.0.1:1024\n' }, []],
    ['global with more than localpeer', { '40-peers.cfg': 'global\n  localpeer n1\n  stats socket /tmp/x level admin\n' }, ['POLICY_DIRECTIVE 40-peers.cfg:3 stats']],
    ['bind ports allowed and not', { '20-http.cfg': 'frontend f\n  bind :80\n  bind 127.0.0.1:8443,:9999\n  bind unix@/tmp/s\n' }, ['POLICY_BIND_PORT 20-http.cfg:3 bind', 'POLICY_BIND_PORT 20-http.cfg:4 bind']],
    ['a file no rule covers', { '30-tcp.cfg': 'frontend t\n' }, ['POLICY_NO_RULE 30-tcp.cfg:- -']],
  ])('%s', (_name, files, expected) => {
    expect(verdict(files, parsed.policy)).toEqual(expected);
  });

  it.each([
    ['not YAML', 'version: 1\nrules: [\n', /.+/, 3],
    ['unknown field', 'version: 1\nrules:\n  - files: ["*.cfg"]\n    sections: [backend]\n    allow: [x]\n', /rules\.0.*allow/, 3],
    ['wrong version', 'version: 2\nrules:\n  - files: ["*.cfg"]\n    sections: []\n', /version/, 1],
    ['a directive with two spaces', 'version: 1\nforbid:\n  "*": ["stats  socket"]\nrules:\n  - files: ["*.cfg"]\n    sections: []\n', /forbid/, 3],
  ])('refuses %s with the line', (_name, text, message, line) => {
    const r = parsePolicy(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(message);
    expect(r.error.line).toBe(line);
  });

  it('resolvePolicy: the file, else the fallback, else the default', () => {
    expect(resolvePolicy([]).source).toBe('default');
    expect(resolvePolicy([f('policy.yaml', yaml)]).source).toBe('file');
    const broken = resolvePolicy([f('policy.yaml', 'version: 1\n')], parsed.policy);
    expect(broken).toMatchObject({ source: 'fallback', policy: parsed.policy });
    expect(broken.error?.message).toMatch(/rules/);
    expect(resolvePolicy([f('policy.yaml', ':')]).source).toBe('default');
  });

  it('the example templates/policy.yaml parses, admits the example peers file and refuses what the default does', () => {
    const text = readFileSync(new URL('../../../../templates/policy.yaml', import.meta.url), 'utf8');
    const example = parsePolicy(text);
    if (!example.ok) throw new Error(example.error.message);
    const peers = 'global\n    localpeer node-1\n\npeers api-server\n    peer node-1 10.0.0.1:1024\n\nbackend rate-limit-per-client\n    stick-table type ip size 1m expire 60s store http_req_rate(10s) peers api-server\n';
    expect(verdict({ '40-peers.cfg': peers, '55-f.cfg': 'frontend f\n  bind :8081\n' }, example.policy)).toEqual([]);
    expect(verdict({ '40-peers.cfg': 'global\n    localpeer a\n    lua-load /x.lua\n', '50-x.cfg': 'global\n', '0-a.cfg': '' }, example.policy)).toEqual([
      'POLICY_FILE_ORDER 0-a.cfg:- -',
      'POLICY_DIRECTIVE 40-peers.cfg:3 lua-load',
      'POLICY_SECTION 50-x.cfg:1 global',
    ]);
  });
});

describe('globToRegExp', () => {
  it.each([
    ['50-*.cfg', '50-web.cfg', true],
    ['50-*.cfg', '50-a/b.cfg', false],
    ['50-*.cfg', '500-web.cfg', false],
    ['?0-*.cfg', '20-http.cfg', true],
    ['[0-4]*-*.cfg', '40-peers.cfg', true],
    ['[0-4]*-*.cfg', '50-web.cfg', false],
    ['lua.*', 'lua.run', true],
    ['lua.*', 'luaXrun', false],
  ])('%s ~ %s: %s', (glob, name, want) => expect(globToRegExp(glob).test(name)).toBe(want));
});
