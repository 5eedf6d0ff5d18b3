import { describe, expect, it } from 'vitest';
import { planRuntime } from './plan-runtime.js';

const f = (path: string, text: string) => ({ path, data: Buffer.from(text, 'utf8') });
const DEFAULTS = 'defaults\n  mode http\n  default-server init-addr last,libc,none check inter 2s\n';
const version = (servers: string, extra: Record<string, string> = {}, backend = 'backend app\n  balance roundrobin\n') => [
  f('00-defaults.cfg', DEFAULTS),
  f('50-web.cfg', `frontend web\n  bind :80\n  default_backend app\n${backend}${servers}`),
  f('manifest.json', JSON.stringify({ n: Math.random() })),
  ...Object.entries(extra).map(([p, t]) => f(p, t)),
];
const LIVE = version('  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 10\n');

describe('planRuntime', () => {
  it.each([
    ['identical but comments and layout', version('  server a   10.0.0.1:80 # first\n\n  server b 10.0.0.2:80  weight 10\n'), []],
    ['a server added', version('  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 10\n  server c 10.0.0.3:80\n'), [
      { op: 'add', backend: 'app', server: 'c', target: expect.objectContaining({ host: '10.0.0.3', port: 80, args: ['check', 'inter', '2s'], check: true }) },
    ]],
    ['a server removed', version('  server a 10.0.0.1:80\n'), [{ op: 'remove', backend: 'app', server: 'b', agent: false, fixed: 'check inter=2s' }]],
    ['address, weight and state changed', version('  server a 10.0.0.9:81 disabled\n  server b 10.0.0.2:80 weight 20\n'), [
      { op: 'update', backend: 'app', server: 'a', set: { host: '10.0.0.9', port: 81, disabled: true } },
      { op: 'update', backend: 'app', server: 'b', set: { weight: 20 } },
    ]],
    ['servers reordered', version('  server b 10.0.0.2:80 weight 10\n  server a 10.0.0.1:80\n'), []],
  ])('runtime: %s', (_name, candidate, changes) => {
    expect(planRuntime(LIVE, candidate)).toEqual({ runtime: true, changes });
  });

  it.each([
    ['an option changed', version('  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 10\n', {}, 'backend app\n  balance leastconn\n'), /backend app .*changed beyond its server lines/],
    ['a new backend', [...LIVE.slice(0, 2), f('60-x.cfg', 'backend x\n  server x 10.0.0.5:80\n')], /sections differ/],
    ['a map changed', version('  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 10\n', { 'maps/hosts.map': 'a b\n' }), /maps\/hosts.map added/],
    ['a keyword add server does not take', version('  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 10\n  server c 10.0.0.3:80 cookie c\n'), /"cookie" cannot be set/],
    ['a server keyword changed', version('  server a 10.0.0.1:80 backup\n  server b 10.0.0.2:80 weight 10\n'), /keywords other than/],
    ['an address by name', version('  server a web.local:80\n  server b 10.0.0.2:80 weight 10\n'), /name, not an IP literal/],
    ['a duplicate name', version('  server a 10.0.0.1:80\n  server a 10.0.0.2:80 weight 10\n'), /appears twice/],
    ['a server used by use-server', [LIVE[0]!, f('50-web.cfg', 'frontend web\n  bind :80\n  default_backend app\nbackend app\n  use-server b if { path /b }\n  server a 10.0.0.1:80\n')], /changed beyond/],
  ])('reload: %s', (_name, candidate, reason) => {
    const plan = planRuntime(LIVE, candidate);
    expect(plan.runtime).toBe(false);
    expect(plan.runtime ? '' : plan.reason).toMatch(reason);
  });

  it('adding to a static algorithm takes a reload', () => {
    const src = (servers: string) => version(servers, {}, 'backend app\n  balance source\n');
    const plan = planRuntime(src('  server a 10.0.0.1:80\n'), src('  server a 10.0.0.1:80\n  server c 10.0.0.3:80\n'));
    expect(plan).toMatchObject({ runtime: false, reason: expect.stringMatching(/static balance algorithm/) });
  });

  it('consistent hashing is dynamic, map-based hashing is not', () => {
    const hashed = (type: string) => version('  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 10\n  server c 10.0.0.3:80\n', {}, `backend app\n  balance uri\n  hash-type ${type}\n`);
    const base = (type: string) => version('  server a 10.0.0.1:80\n  server b 10.0.0.2:80 weight 10\n', {}, `backend app\n  balance uri\n  hash-type ${type}\n`);
    expect(planRuntime(base('consistent'), hashed('consistent')).runtime).toBe(true);
    expect(planRuntime(base('map-based'), hashed('map-based')).runtime).toBe(false);
  });

  it('a removed server that a use-server rule names takes a reload', () => {
    const live = [f('50-web.cfg', 'backend app\n  use-server b if { path /b }\n  server a 10.0.0.1:80\n  server b 10.0.0.2:80\n')];
    const next = [f('50-web.cfg', 'backend app\n  use-server b if { path /b }\n  server a 10.0.0.1:80\n')];
    expect(planRuntime(live, next)).toMatchObject({ runtime: false, reason: expect.stringMatching(/referenced/) });
  });
});
