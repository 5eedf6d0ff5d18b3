import { mkdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { devkitError } from './error-codes.js';
import { checkManifest } from './manifest-checks.js';
import { assertListenersFree, type PlannedListener } from './port-check.js';
import { ConsulDev, consulBin } from './consul-dev.js';
import { DemoInstance } from './demo-services.js';
import { freePort, waitFor } from './free-port.js';
import { getWithHost } from './http-probe.js';
import { kustomize, podTemplate, type K8sObject } from './kustomize.js';
import { planPod, type ProcessPlan } from './pod-plan.js';
import { ProcessRunner } from './process-runner.js';
import type { PodRunner, RunnerContext, RunningContainer } from './runner.js';
import { S3Dev } from './s3-dev.js';
import { TemplatePublisher } from './template-publisher.js';

export interface DevPodOptions {
  repoRoot: string;
  workDir: string;
  /** Every listen address on a free loopback port (tests); otherwise the manifest's ports on 127.0.0.1, HTTP on httpPort. */
  freePorts?: boolean;
  httpPort?: number;
  syncIntervalMs?: number;
  /** The template tree to publish and watch (default: the repository's templates/). */
  templatesDir?: string;
  /** How the containers run (default: local processes). */
  runner?: PodRunner;
  echo?: (container: string, line: string) => void;
}

export interface DevPodSummary {
  http: string;
  stats: string;
  /** HAProxy's TCP listener (POSTGRES_BIND), if the templates read one. */
  tcp: string | undefined;
  consul: string;
  s3: string;
  source: string;
  /** The template tree published to `source`. */
  templates: string;
  /** The release published at start. */
  release: string | undefined;
  sharedVolumes: string;
  logs: string;
  /** The runner's kind (`processes`). */
  runner: string;
  containers: Record<string, { pid: number | undefined; metrics: string[]; log: string }>;
  skipped: Array<{ container: string; reason: string }>;
  demo: Array<{ id: string; service: string; port: number }>;
}

/** Variables holding a listen or connect address that the local runner re-homes on loopback. */
const isAddressVar = (name: string) => /(_ADDR|_BIND)$/.test(name) && name !== 'CONSUL_HTTP_ADDR';
const LOCAL_PORTS: Record<number, number> = { 80: 8080, 443: 8443, 5432: 15432 };

/**
 * The pod from its own manifest, as local processes: `kustomize deploy/k8s`, then
 * every container of ours started with the manifest's command, environment and
 * mounts, beside the embedded defaults a newcomer needs (consul agent -dev, an s3rver
 * bucket seeded from templates/, demo services registered in Consul).
 */
export class DevPod {
  private constructor(
    readonly summary: DevPodSummary,
    readonly consul: ConsulDev,
    readonly s3: S3Dev,
    readonly containers: RunningContainer[],
    readonly demo: DemoInstance[],
    readonly plans: ProcessPlan[],
    /** Publishes the template tree to the pod's S3 (`apictl publish`), and watches it. */
    readonly publisher: TemplatePublisher,
  ) {}

  static async start(opts: DevPodOptions): Promise<DevPod> {
    const templatesDir = resolve(opts.templatesDir ?? join(opts.repoRoot, 'templates'));
    if (!(await stat(templatesDir).then((s) => s.isDirectory(), () => false))) {
      throw devkitError('DEV_TEMPLATES_MISSING', `${templatesDir}: no such directory (give a config repository, or --templates DIR)`, { context: { templates: templatesDir } });
    }
    const objects = await kustomize(join(opts.repoRoot, 'deploy/k8s'));
    const problems = checkManifest(objects);
    if (problems.length) throw devkitError('DEV_MANIFEST_INVALID', `deploy/k8s has problems:\n  ${problems.join('\n  ')}`);
    const config = configMapData(objects);
    const source = new URL(config.SOURCE_URL ?? 's3://api-server-routing/prod');
    const bucket = source.hostname;
    const prefix = source.pathname.replace(/^\/+|\/+$/g, '');

    // Ports first: a busy one fails in a second, before any process starts.
    const addresses = await addressPlan(objects, opts);
    await assertListenersFree(listenersOf(addresses));

    const started: { consul?: ConsulDev; s3?: S3Dev; demo: DemoInstance[]; containers: RunningContainer[] } = { demo: [], containers: [] };
    try {
      started.consul = await ConsulDev.start({ bin: consulBin(opts.repoRoot), nodeName: hostname() });
      started.s3 = await S3Dev.start([bucket]);
      for (const id of ['web-1', 'web-2', 'api-1']) {
        const instance = await DemoInstance.start(id);
        started.demo.push(instance);
        await instance.register(started.consul);
      }

      const { plans, skipped } = planPod(objects, {
        repoRoot: opts.repoRoot,
        workDir: opts.workDir,
        nodeName: hostname(),
        nodeIp: '127.0.0.1',
        ownImagePrefix: 'registry.example.com/api-server/',
        skip: (await engineSocketPresent()) ? {} : { registrator: `no container engine at ${DOCKER_SOCKET}` },
        overrides: {
          ...addresses,
          renderer: { ...addresses.renderer, CONSUL_HTTP_ADDR: started.consul.addr },
          registrator: { ...addresses.registrator, CONSUL_HTTP_ADDR: started.consul.addr },
          's3-sync': { ...addresses['s3-sync'], ...started.s3.env(), SYNC_INTERVAL_MS: String(opts.syncIntervalMs ?? 1000) },
          // A laptop has no load balancer to drain: Ctrl-C should not wait the manifest's 15 s.
          'haproxy-supervisor': { ...addresses['haproxy-supervisor'], DRAIN_SECONDS: '1' },
        },
      });
      // The first release, published as every later edit will be: validated, then CURRENT.
      const renderer = plans.find((p) => p.container === 'renderer');
      const allowed = (renderer?.env.TEMPLATE_ENV_ALLOW ?? '').split(',').map((n) => n.trim()).filter(Boolean);
      const publisher = new TemplatePublisher({
        templates: templatesDir,
        to: `s3://${bucket}/${prefix}`,
        consulAddr: started.consul.addr,
        nodeName: hostname(),
        templateEnv: Object.fromEntries(allowed.flatMap((n) => (renderer?.env[n] === undefined ? [] : [[n, renderer.env[n]!]]))),
        s3Env: started.s3.env(),
      });
      const first = await publisher.publish();
      if (!first.ok) throw devkitError('DEV_TEMPLATES_INVALID', `${templatesDir} does not validate; nothing to serve yet:\n${first.lines.join('\n')}`, { context: { templates: templatesDir } });

      const logDir = join(opts.workDir, 'logs');
      const runner = opts.runner ?? new ProcessRunner();
      const ctx: RunnerContext = { workDir: opts.workDir, logDir, hostPaths: { 'host-logs': join(opts.workDir, 'host/var/log/api-server') }, echo: opts.echo };
      await runner.prepare(plans, ctx);
      for (const plan of plans) started.containers.push(await runner.start(plan, ctx));
      const env = (name: string, key: string) => plans.find((p) => p.container === name)?.env[key];
      const httpAddr = env('renderer', 'HTTP_BIND') ?? '127.0.0.1:8080';
      const summary: DevPodSummary = {
        http: `http://${httpAddr}`,
        stats: `http://${env('renderer', 'STATS_BIND') ?? '127.0.0.1:8404'}/stats`,
        tcp: env('renderer', 'POSTGRES_BIND'),
        consul: started.consul.url,
        s3: `${started.s3.endpoint} (bucket ${bucket}, prefix ${prefix || '/'})`,
        source: `s3://${bucket}/${prefix}`,
        templates: templatesDir,
        release: first.id,
        sharedVolumes: join(opts.workDir, 'volumes'),
        logs: logDir,
        runner: runner.kind,
        containers: Object.fromEntries(
          started.containers.map((c) => [c.plan.container, { pid: c.pid, metrics: metricsUrls(c.plan.env), log: join(logDir, `${c.plan.container}.log`) }]),
        ),
        skipped,
        demo: started.demo.map((d) => ({ id: d.id, service: d.service, port: d.port })),
      };
      await mkdir(opts.workDir, { recursive: true });
      await writeFile(join(opts.workDir, 'dev.json'), `${JSON.stringify(summary, null, 2)}\n`);
      return new DevPod(summary, started.consul, started.s3, started.containers, started.demo, plans, publisher);
    } catch (err) {
      await stopAll(started);
      throw err;
    }
  }

  /** Resolves once HAProxy routes `host` to one of the demo instances. */
  async waitUntilRouting(host = 'web.localhost', timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        const res = await getWithHost(`${this.summary.http}/`, host);
        return res.status === 200 && res.body.startsWith('web-');
      },
      { timeoutMs, what: `HAProxy routing ${host} at ${this.summary.http}` },
    );
  }

  async stop(): Promise<void> {
    await this.publisher.close();
    await stopAll({ consul: this.consul, s3: this.s3, demo: this.demo, containers: this.containers });
  }
}

async function stopAll(s: { consul?: ConsulDev; s3?: S3Dev; demo: DemoInstance[]; containers: RunningContainer[] }): Promise<void> {
  // Reverse start order: the supervisor (and its HAProxy) before the stages feeding it.
  for (const c of [...s.containers].reverse()) await c.stop(20_000);
  await Promise.all(s.demo.map((d) => d.stop()));
  await s.consul?.destroy();
  await s.s3?.stop();
}

/** Every `/metrics` a container serves or exposes for others (METRICS_ADDR, LOG_METRICS_ADDR, HAPROXY_METRICS_ADDR...). */
function metricsUrls(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /(^|_)METRICS_ADDR$/.test(k) && /:\d+$/.test(v))
    .map(([, v]) => `http://${v}/metrics`);
}

function configMapData(objects: K8sObject[]): Record<string, string> {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'api-server-config') as { data?: Record<string, string> } | undefined;
  return cm?.data ?? {};
}

/**
 * Every address variable of every container re-homed on 127.0.0.1, by port, so two
 * containers that share an address in the manifest (the syslog port) still share it.
 */
async function addressPlan(objects: K8sObject[], opts: DevPodOptions): Promise<Record<string, Record<string, string>>> {
  const config = configMapData(objects);
  const byPort = new Map<number, number>();
  const out: Record<string, Record<string, string>> = {};
  for (const obj of objects) {
    for (const c of podTemplate(obj)?.spec.containers ?? []) {
      for (const e of c.env ?? []) {
        if (!isAddressVar(e.name)) continue;
        const value = e.value ?? (e.valueFrom?.configMapKeyRef ? config[e.valueFrom.configMapKeyRef.key] : undefined);
        const match = value ? /:(\d+)$/.exec(value) : null;
        if (!match) continue;
        const port = Number(match[1]);
        if (!byPort.has(port)) byPort.set(port, opts.freePorts ? await freePort() : port === 80 && opts.httpPort ? opts.httpPort : (LOCAL_PORTS[port] ?? port));
        (out[c.name] ??= {})[e.name] = `127.0.0.1:${byPort.get(port)}`;
      }
    }
  }
  return out;
}

/** The addresses the pod's containers listen on (connect addresses like SYSLOG_TCP_ADDR of a sender included: shared with the listener, same port). */
function listenersOf(addresses: Record<string, Record<string, string>>): PlannedListener[] {
  return Object.entries(addresses).flatMap(([container, vars]) => Object.entries(vars).map(([variable, addr]) => ({ addr, container, variable })));
}

/** The engine socket the manifest mounts for the registrator (DOCKER_HOST there). */
const DOCKER_SOCKET = '/var/run/docker.sock';
const engineSocketPresent = () =>
  stat(DOCKER_SOCKET).then(
    (s) => s.isSocket(),
    () => false,
  );

export const defaultWorkDir = (repoRoot: string) => resolve(repoRoot, '.tmp/dev');
