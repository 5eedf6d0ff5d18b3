import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/** Every object validates against its Kubernetes schema, sits in the api-server namespace, and passes our manifest checks. */
function expectValidObjects(objects: K8sObject[]): void {
  for (const obj of objects) {
    const Model = models[`${obj.apiVersion}/${obj.kind}`];
    expect(Model, `${obj.apiVersion}/${obj.kind}`).toBeDefined();
    expect(() => new Model!(obj).validate(), `${obj.kind}/${obj.metadata.name}`).not.toThrow();
    if (obj.kind !== 'Namespace') expect(obj.metadata.namespace).toBe('api-server');
  }
  expect(checkManifest(objects)).toEqual([]);
}

describe('deploy/k8s', () => {
  for (const dir of ['', 'overlays/example']) {
    it(`builds ${dir || 'the base'} and every object validates against the Kubernetes schemas`, async () => {
      const objects = await kustomize(join(BASE, dir));
      // No prometheus-operator objects: the base applies on a cluster without its CRDs.
      expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'DaemonSet', 'Namespace', 'Service', 'ServiceAccount']);
      expectValidObjects(objects);
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
    expect(container(ds, 'renderer').image).toBe('registry.acme.example/platform/api-server/renderer:0.1.0');
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
    const rule = parseAllDocuments(await readFile(join(BASE, 'components/prometheus-operator/prometheusrule.yaml'), 'utf8'))[0]!.toJS() as any;
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
    const ours = podTemplate(ds)!.spec.containers.filter((c) => c.image.startsWith('registry.example.com/api-server/'));
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

/**
 * `kubectl kustomize` of the base plus the given components and extra kustomization lines,
 * copied into one directory (kustomize refuses paths outside its root). Our own reader has
 * no components, so these need kubectl.
 */
async function withComponents(components: string[], extra = ''): Promise<K8sObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kcomp-'));
  try {
    await cp(join(BASE, 'base'), join(dir, 'base'), { recursive: true });
    for (const c of components) await cp(join(BASE, 'components', c), join(dir, c), { recursive: true });
    await writeFile(join(dir, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [base]\ncomponents: [${components.join(', ')}]\n${extra}`);
    const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const objects = parseAllDocuments(out.stdout).map((d) => d.toJS() as K8sObject);
    expectValidObjects(objects);
    return objects;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const kubectlPresent = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const envOf = (objects: K8sObject[], name: string) => container(objects.find((o) => o.kind === 'DaemonSet')!, name).env ?? [];

describe.skipIf(!kubectlPresent)('deploy/k8s/components (cluster install options)', () => {
  it('prometheus-operator adds the PodMonitor and PrometheusRule, and only with it', async () => {
    const objects = await withComponents(['prometheus-operator']);
    expect(objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/')).map((o) => o.kind).sort()).toEqual(['PodMonitor', 'PrometheusRule']);
  });

  it('s3-irsa annotates the service account with a role and mounts no token', async () => {
    const objects = await withComponents(['s3-irsa']);
    expect(objects.find((o) => o.kind === 'ServiceAccount')!.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect((podTemplate(objects.find((o) => o.kind === 'DaemonSet')!)!.spec as any).automountServiceAccountToken).toBe(false);
  });

  it('s3-static-keys gives s3-sync, and no other container, the keys from a Secret', async () => {
    const objects = await withComponents(['s3-static-keys']);
    const keys = envOf(objects, 's3-sync').filter((e) => e.name.startsWith('AWS_') && e.name !== 'AWS_REGION');
    expect(keys.map((e) => [e.name, (e.valueFrom as any)?.secretKeyRef])).toEqual([
      ['AWS_ACCESS_KEY_ID', { name: 'api-server-s3', key: 'AWS_ACCESS_KEY_ID' }],
      ['AWS_SECRET_ACCESS_KEY', { name: 'api-server-s3', key: 'AWS_SECRET_ACCESS_KEY' }],
    ]);
    const ds = objects.find((o) => o.kind === 'DaemonSet')!;
    for (const c of podTemplate(ds)!.spec.containers.filter((c) => c.name !== 's3-sync')) {
      expect(JSON.stringify(c), c.name).not.toMatch(/secretKeyRef|AWS_SECRET/);
    }
  });

  it('s3-endpoint (with static keys and an overlay URL) sets S3_ENDPOINT and path style for s3-sync', async () => {
    const objects = await withComponents(['s3-endpoint', 's3-static-keys'], [
      'patches:',
      '  - target: { kind: ConfigMap, name: api-server-config }',
      '    patch: |-',
      '      - { op: replace, path: /data/S3_ENDPOINT, value: "https://minio.storage.svc:9000" }',
      '',
    ].join('\n'));
    const config = objects.find((o) => o.kind === 'ConfigMap') as any;
    expect(config.data).toMatchObject({ S3_ENDPOINT: 'https://minio.storage.svc:9000', S3_FORCE_PATH_STYLE: 'true' });
    const env = envOf(objects, 's3-sync');
    expect(env.find((e) => e.name === 'S3_ENDPOINT')?.valueFrom?.configMapKeyRef?.key).toBe('S3_ENDPOINT');
    expect(env.find((e) => e.name === 'S3_FORCE_PATH_STYLE')?.valueFrom?.configMapKeyRef?.key).toBe('S3_FORCE_PATH_STYLE');
    expect(env.some((e) => e.name === 'AWS_ACCESS_KEY_ID')).toBe(true);
  });

  it('large-catalog gives the renderer and the supervisor 4 MB semi-spaces, and nothing else changes', async () => {
    const [base, large] = [await withComponents([]), await withComponents(['large-catalog'])];
    const data = (objects: K8sObject[]) => (objects.find((o) => o.kind === 'ConfigMap') as any).data as Record<string, string>;
    const changed = Object.keys(data(large)).filter((k) => data(large)[k] !== data(base)[k]);
    expect(changed.sort()).toEqual(['RENDERER_NODE_OPTIONS', 'SUPERVISOR_NODE_OPTIONS']);
    for (const k of changed) expect(data(large)[k]).toBe(data(base)[k]!.replace('--max-semi-space-size=1', '--max-semi-space-size=4'));
  });

  it('a component mistake fails the schema check (so the checks above can fail)', async () => {
    const objects = await withComponents(['s3-static-keys']);
    (container(objects.find((o) => o.kind === 'DaemonSet')!, 's3-sync').env!.at(-1)!.valueFrom as any).secretKeyRef = { key: 7 };
    expect(() => new apps.DaemonSet(objects.find((o) => o.kind === 'DaemonSet') as any).validate()).toThrow(/secretKeyRef/);
  });
});

describe('image names', () => {
  /** Every image reference in deploy/ (container images and kustomize newName/name). */
  async function imageRefs(): Promise<string[]> {
    const out = spawnSync('grep', ['-rhoE', '(image|newName|name): *[^ ,}]+', join(ROOT, 'deploy')], { encoding: 'utf8' }).stdout;
    return out.split('\n').filter((l) => /^(image|newName):/.test(l) || /^name: .*\//.test(l)).map((l) => l.replace(/^\w+: */, ''));
  }

  it('no manifest names one of our images in a registry namespace we do not own (a bare owner/name is Docker Hub)', async () => {
    const refs = (await imageRefs()).filter((r) => r.includes('api-server/'));
    expect(refs.length).toBeGreaterThan(20);
    // Our images carry a registry host first (a dot or a port in it, or localhost).
    const unowned = refs.filter((r) => !/^([^/]*[.:][^/]*|localhost)\//.test(r));
    expect(unowned).toEqual([]);
  });

  it('the check above catches a Docker Hub namespace', () => {
    expect(/^([^/]*[.:][^/]*|localhost)\//.test('api-server/renderer:0.1.0')).toBe(false);
  });

  it('overlays/local-registry points all six images at the local registry', async () => {
    const ds = (await kustomize(join(BASE, 'overlays/local-registry'))).find((o) => o.kind === 'DaemonSet')!;
    const ours = podTemplate(ds)!.spec.containers.filter((c) => c.image.includes('/api-server/')).map((c) => c.image);
    expect(ours.sort()).toEqual(['haproxy-supervisor', 'log-shipper', 'metrics', 'registrator', 'renderer', 's3-sync'].map((c) => `127.0.0.1:5000/api-server/${c}:0.1.0`));
  });
});
