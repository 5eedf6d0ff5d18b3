import { describe, expect, it } from 'vitest';
import { containerFromInspect, type ContainerInfo } from './sources/container.js';
import { LIMITS } from './labels.js';
import { nameFromImage, OWNER, planContainer, type RegistrationDefaults } from './registrations.js';

const defaults: RegistrationDefaults = { nodeName: 'node-a', nodeIp: '10.0.0.5', checkInterval: '10s', checkTimeout: '2s', deregisterAfter: '10m' };

/** An inspect body as Docker 20.10 answers it, with what a test varies. */
function inspect(opts: { labels?: Record<string, string>; env?: string[]; ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null>; exposed?: string[]; network?: string; image?: string; name?: string }): ContainerInfo {
  return containerFromInspect({
    Id: 'c0ffee'.padEnd(64, '0'),
    Name: `/${opts.name ?? 'web-1'}`,
    State: { Running: true },
    Config: { Image: opts.image ?? 'local/busybox:test', Labels: opts.labels ?? {}, Env: opts.env ?? ['PATH=/bin'], ExposedPorts: Object.fromEntries((opts.exposed ?? ['8080/tcp']).map((p) => [p, {}])) },
    HostConfig: { NetworkMode: opts.network ?? 'bridge' },
    NetworkSettings: { Ports: opts.ports ?? { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }, { HostIp: '::', HostPort: '32768' }] } },
  });
}

const plan = (c: ContainerInfo) => planContainer(c, defaults);
const regs = (c: ContainerInfo) => {
  const p = plan(c);
  if ('problems' in p) throw new Error(`refused: ${p.problems.join('; ')}`);
  return p.registrations;
};
const problems = (c: ContainerInfo) => {
  const p = plan(c);
  return 'problems' in p ? p.problems.join('\n') : '';
};

describe('planContainer: addresses and names', () => {
  it('registers a published bridge port on the node IP with a TCP check and the ownership marker', () => {
    expect(regs(inspect({ labels: { SERVICE_NAME: 'web', SERVICE_TAGS: 'a,b', SERVICE_META_TEAM: 'edge' } }))).toEqual([
      {
        ID: 'node-a:web-1:8080',
        Name: 'web',
        Tags: ['a', 'b'],
        Address: '10.0.0.5',
        Port: 32768,
        Meta: { team: 'edge', [OWNER.node]: 'node-a', [OWNER.container]: 'c0ffee'.padEnd(64, '0'), [OWNER.check]: 'tcp,10s,2s,10m' },
        Check: { Name: 'web on web-1', TCP: '10.0.0.5:32768', Interval: '10s', Timeout: '2s', DeregisterCriticalServiceAfter: '10m' },
      },
    ]);
  });

  it.each<[string, Parameters<typeof inspect>[0], Array<[string, string, number]>]>([
    ['a specific binding IP wins over the node IP', { ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '40000' }] } }, [['busybox', '127.0.0.1', 40000]]],
    ['host networking: exposed ports on the node IP', { network: 'host', ports: {}, exposed: ['9000/tcp'] }, [['busybox', '10.0.0.5', 9000]]],
    ['unpublished bridge ports are not registered', { ports: { '8080/tcp': null } }, []],
    ['UDP ports are not registered (no health check for them)', { ports: { '53/udp': [{ HostIp: '', HostPort: '5353' }] } }, []],
    ['several ports: <name>-<port>', { ports: { '80/tcp': [{ HostIp: '', HostPort: '1080' }], '443/tcp': [{ HostIp: '', HostPort: '1443' }] } }, [['busybox-80', '10.0.0.5', 1080], ['busybox-443', '10.0.0.5', 1443]]],
    ['per-port names', { labels: { SERVICE_80_NAME: 'www', SERVICE_443_NAME: 'tls' }, ports: { '80/tcp': [{ HostIp: '', HostPort: '1080' }], '443/tcp': [{ HostIp: '', HostPort: '1443' }] } }, [['www', '10.0.0.5', 1080], ['tls', '10.0.0.5', 1443]]],
    ['per-port ignore', { labels: { SERVICE_443_IGNORE: 'true' }, ports: { '80/tcp': [{ HostIp: '', HostPort: '1080' }], '443/tcp': [{ HostIp: '', HostPort: '1443' }] } }, [['busybox-80', '10.0.0.5', 1080]]],
    ['SERVICE_IGNORE', { labels: { SERVICE_IGNORE: '1' } }, []],
    ['SERVICE_IGNORE=false registers', { labels: { SERVICE_IGNORE: 'false' } }, [['busybox', '10.0.0.5', 32768]]],
    ['env works, labels win', { env: ['SERVICE_NAME=from-env', 'SERVICE_TAGS=x'], labels: { SERVICE_NAME: 'from-label' } }, [['from-label', '10.0.0.5', 32768]]],
  ])('%s', (_name, opts, expected) => {
    expect(regs(inspect(opts)).map((r) => [r.Name, r.Address, r.Port])).toEqual(expected);
  });

  it('HTTP checks and intervals from labels, per port over container-wide', () => {
    const [r] = regs(inspect({ labels: { SERVICE_CHECK_HTTP: '/health', SERVICE_CHECK_INTERVAL: '5s', SERVICE_8080_CHECK_INTERVAL: '1s' } }));
    expect(r!.Check).toMatchObject({ HTTP: 'http://10.0.0.5:32768/health', Interval: '1s' });
    expect(r!.Check.TCP).toBeUndefined();
    expect(r!.Meta[OWNER.check]).toBe('http,/health,1s,2s,10m');
  });

  it.each([
    ['local/busybox:test', 'busybox'],
    ['registry:5000/team/Web_App:1.2', 'web-app'],
    ['nginx@sha256:abc', 'nginx'],
    ['___', ''],
  ])('names a service from its image: %s -> %s', (image, name) => {
    expect(nameFromImage(image)).toBe(name);
  });
});

describe('planContainer: hostile labels refuse the container and say why', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['newline in a name', { SERVICE_NAME: 'web\nserver evil 1.2.3.4:80' }, /SERVICE_NAME: control character/],
    ['newline in a tag', { SERVICE_TAGS: 'ok,bad\ntag' }, /SERVICE_TAGS: control character/],
    ['a space in a tag', { SERVICE_TAGS: 'a b' }, /tag "a b" must be/],
    ['upper case / dots in a name', { SERVICE_NAME: 'Web.Prod' }, /service name must be a DNS label/],
    ['a name over 63 characters', { SERVICE_NAME: 'a'.repeat(64) }, /DNS label/],
    ['keywords in a meta value', { SERVICE_META_WEIGHT: '1 ssl ca-file /etc/passwd' }, /SERVICE_META_WEIGHT: meta value: whitespace/],
    ['a runtime-API separator in a meta value', { SERVICE_META_WEIGHT: '1;new' }, /SERVICE_META_WEIGHT: meta value: ";"/],
    ['a quote in a tag', { SERVICE_TAGS: 'ok,"x"' }, /SERVICE_TAGS: tag/],
    ['a huge value', { SERVICE_META_BLOB: 'x'.repeat(LIMITS.valueChars + 1) }, /value of 1025 characters/],
    ['a huge meta value', { SERVICE_META_BLOB: 'x'.repeat(LIMITS.metaValueChars + 1) }, /meta value over 512/],
    ['too many tags', { SERVICE_TAGS: Array.from({ length: 40 }, (_, i) => `t${i}`).join(',') }, /40 tags/],
    ['port 0', { SERVICE_0_NAME: 'zero' }, /SERVICE_0_NAME: port 0 is not 1-65535/],
    ['port 70000', { SERVICE_70000_NAME: 'big' }, /port 70000 is not 1-65535/],
    ['a leading-zero port', { SERVICE_08080_NAME: 'x' }, /port 08080/],
    ['a reserved meta key', { 'SERVICE_META_REGISTRATOR-NODE': 'other' }, /reserved/],
    ['a bad meta key', { 'SERVICE_META_A.B': 'x' }, /meta key must be/],
    ['a bad interval', { SERVICE_CHECK_INTERVAL: '1d' }, /not a duration/],
    ['an interval too short', { SERVICE_CHECK_INTERVAL: '10ms' }, /outside/],
    ['a check path that is not a path', { SERVICE_CHECK_HTTP: 'http://evil/' }, /must be a path/],
    ['a check path with a space', { SERVICE_CHECK_HTTP: '/a b' }, /must be a path/],
    ['a control character in a key', { 'SERVICE_\u0001': 'x' }, /control characters/],
    ['DEL and C1 controls', { SERVICE_TAGS: 'a\u007f', SERVICE_NAME: 'web\u0085' }, /control character/],
  ])('%s', (_name, labels, expected) => {
    expect(problems(inspect({ labels }))).toMatch(expected);
  });

  it('refuses a container whose name the engine would never give', () => {
    expect(problems(inspect({ name: 'bad name' }))).toMatch(/container name/);
  });

  it('ignores SERVICE_* keys it does not know, as Registrator does', () => {
    expect(regs(inspect({ labels: { SERVICE_REGION: 'eu', SERVICE_ID: 'x' } }))).toHaveLength(1);
  });
});

describe('containerFromInspect', () => {
  it('survives a body of the wrong shape', () => {
    expect(containerFromInspect({ Config: { Labels: { a: 1 }, Env: 'x', ExposedPorts: { 'x/tcp': {}, '99999/tcp': {} } }, NetworkSettings: { Ports: { '80/tcp': [{ HostPort: 'abc' }] } } })).toEqual({
      id: '', name: '', image: '', networkMode: 'default', labels: {}, env: [], exposed: [], published: [],
    });
    expect(containerFromInspect(null).labels).toEqual({});
  });
});
