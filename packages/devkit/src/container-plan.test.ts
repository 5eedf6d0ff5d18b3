import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kustomize, podTemplate } from './kustomize.js';
import { cpus, memoryBytes, planContainers, type ContainerPlanOptions } from './container-plan.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OPTS: ContainerPlanOptions = {
  pod: 'p',
  volumesDir: '/v',
  hostPaths: { '/var/log/api-server': '/h/logs' },
  overrides: { renderer: { CONSUL_HTTP_ADDR: '172.17.0.1:1234' } },
  isOwnImage: (i) => i.startsWith('registry.example.com/api-server/'),
  pauseImage: 'pause:x',
  pidsLimit: 256,
  nodeName: 'n',
  nodeIp: '10.0.0.1',
};

/** The value after each occurrence of a flag. */
const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

/** The base manifest as docker run command lines (used by test/e2e/containers.test.ts). */
describe('planContainers on deploy/k8s', async () => {
  const objects = await kustomize(join(ROOT, 'deploy/k8s'));
  const plan = planContainers(objects, OPTS);
  const args = (name: string) => plan.containers.find((c) => c.container === name)!.args;

  it('runs our six containers and names why the others are not run', () => {
    expect(plan.containers.map((c) => c.container)).toEqual(['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics', 'registrator']);
    expect(plan.skipped.map((s) => s.container)).toEqual(['host-log-dir', 'node-exporter']);
  });

  it.each(['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics', 'registrator'])('%s: hardened as the manifest says, in the pause container network', (name) => {
    const a = args(name);
    expect(values(a, '--user')).toEqual(['10001:10001']);
    expect(a).toContain('--read-only');
    expect(a).toContain('--init');
    expect(values(a, '--cap-drop')).toEqual(['ALL']);
    expect(values(a, '--cap-add')).toEqual(name === 'haproxy-supervisor' ? ['NET_BIND_SERVICE'] : []);
    expect(values(a, '--security-opt')).toEqual(['no-new-privileges']);
    expect(values(a, '--network')).toEqual(['container:p-pause']);
    expect(values(a, '--group-add')).toEqual(['10001']); // fsGroup
    expect(values(a, '--pids-limit')).toEqual(['256']);
    expect(values(a, '--workdir')).toEqual(['/app']);
    const v8 = ['s3-sync', 'renderer', 'haproxy-supervisor'].includes(name) ? ['--no-turbofan'] : [];
    expect(a.slice(a.indexOf('--entrypoint') + 1)).toEqual(['node', `registry.example.com/api-server/${name}:0.1.0`, '--enable-source-maps', ...v8, `packages/${name}/dist/main.js`]);
  });

  it('limits and mounts come from the manifest: modes, emptyDir and hostPath', () => {
    const ds = objects.find((o) => o.kind === 'DaemonSet')!;
    const s3 = podTemplate(ds)!.spec.containers.find((c) => c.name === 's3-sync') as any;
    expect(values(args('s3-sync'), '--memory')).toEqual([String(memoryBytes(s3.resources.limits.memory))]);
    expect(values(args('s3-sync'), '--cpus')).toEqual([String(cpus(s3.resources.limits.cpu))]);
    expect(values(args('renderer'), '--mount')).toContain('type=bind,source=/v/templates,target=/shared/templates,readonly');
    expect(values(args('s3-sync'), '--mount')).toContain('type=bind,source=/v/templates,target=/shared/templates');
    expect(values(args('log-shipper'), '--mount')).toContain('type=bind,source=/h/logs,target=/var/log/api-server');
    expect(values(args('registrator'), '--mount').some((m) => m.startsWith('type=bind,source=/var/run/docker.sock,'))).toBe(true);
    // The renderer does not see the supervisor's live/ directory.
    expect(values(args('renderer'), '--mount').some((m) => m.includes('/shared/live'))).toBe(false);
    expect(plan.hostDirs).toContainEqual({ path: '/v/templates', uid: 0, gid: 10001, mode: 0o2770 });
    expect(plan.hostDirs).toContainEqual({ path: '/h/logs', uid: 10001, gid: 10001, mode: 0o750 });
  });

  it('environment: ConfigMap keys, downward API and overrides resolved', () => {
    const env = values(args('renderer'), '--env');
    expect(env).toContain('CONSUL_HTTP_ADDR=172.17.0.1:1234');
    expect(env).toContain('NODE_IP=10.0.0.1');
    expect(env).toContain('HTTP_BIND=:80');
  });

  it('the pause container publishes every port on 127.0.0.1 and carries the pod sysctls', () => {
    const a = plan.pause.args;
    expect(values(a, '--publish')).toEqual(expect.arrayContaining(['127.0.0.1::80', '127.0.0.1::3803', '127.0.0.1::9703']));
    expect(values(a, '--sysctl')).toEqual(['net.ipv4.ip_unprivileged_port_start=0']);
    expect(values(a, '--user')).toEqual(['65534:65534']);
  });

  it('refuses a container without runAsUser (it would run as root)', () => {
    const copy = structuredClone(objects);
    const ds = copy.find((o) => o.kind === 'DaemonSet')!;
    delete (podTemplate(ds)!.spec.containers[0]!.securityContext as any).runAsUser;
    expect(() => planContainers(copy, OPTS)).toThrow(/s3-sync would run as root/);
  });
});

describe('quantities', () => {
  it.each<[string, number]>([['192Mi', 192 * 1024 ** 2], ['1Gi', 1024 ** 3], ['500M', 5e8], ['134217728', 134217728], ['64Ki', 65536]])('memory %s', (q, bytes) => {
    expect(memoryBytes(q)).toBe(bytes);
  });
  it.each<[string, number]>([['200m', 0.2], ['1', 1], ['0.5', 0.5], ['1500m', 1.5]])('cpu %s', (q, n) => {
    expect(cpus(q)).toBe(n);
  });
  it('refuses what it cannot read', () => {
    expect(() => memoryBytes('lots')).toThrow(/not a quantity/);
    expect(() => cpus('2 cores')).toThrow(/not a quantity/);
  });
});
