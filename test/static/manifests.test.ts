import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { kustomize, podTemplate, type K8sObject } from '../../packages/devkit/src/kustomize.js';
import { checkManifest } from '../../packages/devkit/src/manifest-checks.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BASE = join(ROOT, 'deploy/k8s');

const models: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/DaemonSet': apps.DaemonSet,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Namespace': core.Namespace,
  'v1/Service': core.Service,
  'v1/ServiceAccount': core.ServiceAccount,
  'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
};

/** The base with one change applied, for the tests that prove each check can fail. */
async function mutated(change: (ds: K8sObject, all: K8sObject[]) => void): Promise<string[]> {
  const objects = await kustomize(BASE);
  change(objects.find((o) => o.kind === 'DaemonSet')!, objects);
  return checkManifest(objects);
}
const container = (ds: K8sObject, name: string) => podTemplate(ds)!.spec.containers.find((c) => c.name === name)!;

describe('deploy/k8s', () => {
  for (const dir of ['', 'overlays/example']) {
    it(`builds ${dir || 'the base'} and every object validates against the Kubernetes schemas`, async () => {
      const objects = await kustomize(join(BASE, dir));
      expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'DaemonSet', 'Namespace', 'PodMonitor', 'PrometheusRule', 'Service', 'ServiceAccount']);
      for (const obj of objects) {
        const Model = models[`${obj.apiVersion}/${obj.kind}`];
        expect(Model, `${obj.apiVersion}/${obj.kind}`).toBeDefined();
        expect(() => new Model!(obj).validate(), `${obj.kind}/${obj.metadata.name}`).not.toThrow();
        if (obj.kind !== 'Namespace') expect(obj.metadata.namespace).toBe('api-server');
      }
      expect(checkManifest(objects)).toEqual([]);
    });
  }

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl)('our kustomize reading equals `kubectl kustomize` for the base and the overlay', async () => {
    for (const dir of ['', 'overlays/example']) {
      const out = spawnSync('kubectl', ['kustomize', join(BASE, dir)], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
      const theirs = parseAllDocuments(out.stdout).map((d) => d.toJS() as K8sObject).sort((a, b) => key(a).localeCompare(key(b)));
      const ours = (await kustomize(join(BASE, dir))).sort((a, b) => key(a).localeCompare(key(b)));
      expect(ours).toEqual(theirs);
    }
  });

  it('schema validation catches a malformed object (so the check above can fail)', async () => {
    const ds = (await kustomize(BASE)).find((o) => o.kind === 'DaemonSet')!;
    (podTemplate(ds)!.spec.containers[0]!.ports![0] as any).containerPort = 'ninety';
    expect(() => new apps.DaemonSet(ds as any).validate()).toThrow(/containerPort/);
  });

  it('the example overlay sets the bucket, region, images and the IAM role', async () => {
    const objects = await kustomize(join(BASE, 'overlays/example'));
    const config = objects.find((o) => o.kind === 'ConfigMap') as any;
    expect(config.data.SOURCE_URL).toBe('s3://acme-routing-config/prod');
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::/);
    const ds = objects.find((o) => o.kind === 'DaemonSet')!;
    expect(container(ds, 'renderer').image).toBe('registry.example.com/api-server/renderer:0.1.0');
    const consulAddr = container(ds, 'renderer').env?.find((e) => e.name === 'CONSUL_HTTP_ADDR')?.value;
    expect(consulAddr).toBe('$(NODE_IP):8500');
    expect(container(ds, 'renderer').env?.find((e) => e.name === 'NODE_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.hostIP');
  });

  it('every container of ours is locked down, probed on its METRICS_ADDR port, and sized', async () => {
    const ds = (await kustomize(BASE)).find((o) => o.kind === 'DaemonSet')!;
    const names = podTemplate(ds)!.spec.containers.map((c) => c.name);
    expect(names).toEqual(['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics', 'registrator', 'node-exporter']);
    for (const c of podTemplate(ds)!.spec.containers) {
      const sc = c.securityContext as any;
      expect(sc, c.name).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(sc.capabilities.drop).toEqual(['ALL']);
      expect(sc.capabilities.add ?? [], c.name).toEqual(c.name === 'haproxy-supervisor' ? ['NET_BIND_SERVICE'] : []);
    }
  });

  it.each<[string, (ds: K8sObject, all: K8sObject[]) => void, RegExp]>([
    ['a reader without its mount', (ds) => { const c = container(ds, 'renderer'); c.volumeMounts = c.volumeMounts!.filter((m) => m.name !== 'templates'); }, /container renderer: reads templates but does not mount it/],
    ['a writer mounted read-only', (ds) => { container(ds, 's3-sync').volumeMounts!.find((m) => m.name === 'templates')!.readOnly = true; }, /container s3-sync: writes templates but mounts it read-only/],
    ['a reader mounted read-write', (ds) => { delete container(ds, 'metrics').volumeMounts!.find((m) => m.name === 'run')!.readOnly; }, /container metrics: only reads run but mounts it read-write/],
    ['a probe on the wrong port', (ds) => { container(ds, 'renderer').env!.find((e) => e.name === 'METRICS_ADDR')!.value = ':9799'; }, /container renderer: livenessProbe port 9702 does not match METRICS_ADDR port 9799/],
    ['a probe on the wrong path', (ds) => { (container(ds, 'metrics').readinessProbe as any).httpGet.path = '/healthz'; }, /container metrics: readinessProbe path is \/healthz, expected \/readyz/],
    ['a root container', (ds) => { (container(ds, 'log-shipper').securityContext as any).runAsNonRoot = false; }, /container log-shipper: securityContext.runAsNonRoot must be true/],
    ['an extra capability', (ds) => { (container(ds, 'renderer').securityContext as any).capabilities.add = ['NET_ADMIN']; }, /container renderer: adds capability NET_ADMIN/],
    ['missing limits', (ds) => { delete (container(ds, 's3-sync').resources as any).limits; }, /container s3-sync: resources.limits.cpu missing/],
    ['a token mounted', (ds) => { (podTemplate(ds)!.spec as any).automountServiceAccountToken = true; }, /automountServiceAccountToken must be false/],
    ['a grace period shorter than the drain', (ds) => { (podTemplate(ds)!.spec as any).terminationGracePeriodSeconds = 20; }, /terminationGracePeriodSeconds \(20\) must exceed DRAIN_SECONDS/],
    ['a command that runs another file', (ds) => { container(ds, 'renderer').command = ['node', 'packages/renderer/dist/index.js']; }, /container renderer: command must run node packages\/renderer\/dist\/main.js/],
    ['service links on', (ds) => { (podTemplate(ds)!.spec as any).enableServiceLinks = true; }, /enableServiceLinks must be false/],
    ['a surge rollout', (ds) => { (ds.spec as any).updateStrategy.rollingUpdate.maxUnavailable = '50%'; }, /maxUnavailable 1/],
  ])('a manifest mistake fails and names it: %s', async (_name, change, expected) => {
    const problems = await mutated(change);
    expect(problems.join('\n')).toMatch(expected);
  });
});

describe('alerts', () => {
  it('refer only to metrics the components export', async () => {
    const rule = (await kustomize(BASE)).find((o) => o.kind === 'PrometheusRule') as any;
    const sources = spawnSync('grep', ['-rhoE', "'[a-z0-9_]+'", ...['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics', 'registrator'].map((p) => join(ROOT, 'packages', p, 'src'))], { encoding: 'utf8' }).stdout;
    const defined = new Set(sources.split('\n').map((l) => l.replace(/'/g, '')));
    const exprs: string[] = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr as string));
    expect(exprs.length).toBeGreaterThan(5);
    for (const expr of exprs) {
      const names = expr.replace(/\{[^}]*\}/g, '').match(/\b(haproxy|s3_sync|renderer|log_shipper|registrator)_[a-z_]+/g) ?? [];
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(defined.has(name), `${name} in: ${expr}`).toBe(true);
    }
  });
});

describe('docker/', () => {
  it('has one Dockerfile per component whose entrypoint is the file the package builds and the manifest runs', async () => {
    const ds = (await kustomize(BASE)).find((o) => o.kind === 'DaemonSet')!;
    const ours = podTemplate(ds)!.spec.containers.filter((c) => c.image.startsWith('api-server/'));
    const files = (await readdir(join(ROOT, 'docker'))).filter((f) => f.endsWith('.Dockerfile'));
    expect(files.sort()).toEqual(ours.map((c) => `${c.name}.Dockerfile`).sort());
    for (const c of ours) {
      const text = await readFile(join(ROOT, 'docker', `${c.name}.Dockerfile`), 'utf8');
      const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text)?.[1];
      expect(entry, `${c.name}.Dockerfile ENTRYPOINT`).toBeDefined();
      expect(JSON.parse(entry!)).toEqual(c.command);
      expect(text).toMatch(/^WORKDIR \/app$/m);
      expect(c.workingDir).toBe('/app');
      expect(text).toMatch(/^USER 10001(:10001)?$/m);
      // The file the entrypoint names is what the package's build produces: the package's
      // bin is a committed shim (so `pnpm install` links it before the first build) importing it.
      const pkg = JSON.parse(await readFile(join(ROOT, 'packages', c.name, 'package.json'), 'utf8'));
      const targets = await Promise.all(
        Object.values(pkg.bin as Record<string, string>).map(async (b) => {
          const shim = await readFile(join(ROOT, 'packages', c.name, b), 'utf8');
          const imported = /await import\('([^']+)'\)/.exec(shim)?.[1];
          return imported && `packages/${c.name}/${join(dirname(b), imported)}`;
        }),
      );
      expect(targets).toContain(c.command!.at(-1));
      const tsconfig = JSON.parse(await readFile(join(ROOT, 'packages', c.name, 'tsconfig.json'), 'utf8'));
      expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      await expect(readFile(join(ROOT, 'packages', c.name, 'src/main.ts'))).resolves.toBeTruthy();
    }
  });
});
