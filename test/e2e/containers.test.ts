import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '../../packages/core/src/tree.js';
import { kustomize, podTemplate, type K8sObject } from '../../packages/devkit/src/kustomize.js';
import { getText, REPO_ROOT } from '../helpers/component.js';
import { ConsulDev, consulBin } from '../helpers/consul.js';
import { planContainers } from '../../packages/devkit/src/container-plan.js';
import { ContainerPod, DOCKER, docker } from '../../packages/devkit/src/container-runner.js';
import { ensureEngine, TEST_IMAGE } from '../helpers/docker.js';
import { metricValue, requestVia } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/ports.js';
import { S3Dev } from '../helpers/s3.js';
import { Traffic } from '../helpers/traffic.js';

/**
 * Issue 12: the pod as real containers, from the manifest, on the images
 * scripts/build-images.sh builds (scripts/test.sh builds them before vitest; here they
 * are built only when missing). Consul and S3 are dev servers on the host; the pod
 * reaches them, and the demo backends, through the docker bridge's gateway address.
 */
const OURS = ['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics', 'registrator'];
const DRAIN_SECONDS = 3;

let objects: K8sObject[];
let pod: ContainerPod | undefined;
let consul: ConsulDev | undefined;
let s3: S3Dev | undefined;
let workDir = '';
let gateway = '';
let http = 0;
const servers: Array<Server | HttpServer> = [];
let sizes = '';

/** A TCP forwarder on the bridge gateway to a loopback port: the dev servers stay on 127.0.0.1. */
async function forward(port: number): Promise<number> {
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, gateway, () => r()));
  return (server.address() as { port: number }).port;
}

/** A backend the pod can reach (on the gateway address) answering its own id. */
async function backend(id: string): Promise<number> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${id}\n`);
  });
  server.keepAliveTimeout = 30_000;
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, gateway, () => r()));
  return (server.address() as { port: number }).port;
}

const configData = () => (objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data;
const containerPort = (name: string, portName: string) =>
  podTemplate(objects.find((o) => o.kind === 'DaemonSet')!)!.spec.containers.find((c) => c.name === name)!.ports!.find((p) => p.name === portName)!.containerPort;

async function supervisorMetric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const port = await pod!.hostPort(containerPort('haproxy-supervisor', 'm-supervisor'));
  const value = metricValue((await getText(`http://127.0.0.1:${port}/metrics`)).body, name, labels);
  return Number.isNaN(value) ? 0 : value;
}

async function countedRequests(): Promise<number> {
  const port = await pod!.hostPort(3803);
  const value = metricValue((await getText(`http://127.0.0.1:${port}/metrics`)).body, 'haproxy_http_requests_total', { frontend: 'http' });
  return Number.isNaN(value) ? 0 : value;
}

beforeAll(async () => {
  ensureEngine();
  // Builds only what is missing (scripts/test.sh built them already in CI).
  // Asynchronously: a build takes minutes, and a blocked worker misses vitest's RPC.
  sizes = (await promisify(execFile)('bash', [join(REPO_ROOT, 'scripts/build-images.sh')], { encoding: 'utf8', timeout: 3_000_000 })).stdout;
  console.log(`images (MB):\n${sizes}`);
  gateway = await docker(['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}']);
  workDir = await mkdtemp(join(tmpdir(), 'containers-'));
  objects = await kustomize(join(REPO_ROOT, 'deploy/k8s'));
  const config = configData();
  const source = new URL(config.SOURCE_URL!);
  const prefix = source.pathname.replace(/^\/+|\/+$/g, '');

  consul = await ConsulDev.start({ bin: consulBin(REPO_ROOT), nodeName: 'containers-test' });
  s3 = await S3Dev.start([source.hostname]);
  for (const file of await readTree(join(REPO_ROOT, 'templates'))) {
    if (file.path !== 'README.md') await s3.put(source.hostname, `${prefix}/${file.path}`, file.data);
  }
  for (const id of ['web-1', 'web-2', 'api-1']) {
    await consul.register({ id, name: id.replace(/-\d+$/, ''), address: gateway, port: await backend(id), passing: true });
  }
  const consulAddr = `${gateway}:${await forward(Number(consul.addr.split(':').pop()))}`;
  const s3Endpoint = `http://${gateway}:${await forward(Number(new URL(s3.endpoint).port))}`;

  const socketGid = await stat('/var/run/docker.sock').then((s) => s.gid);
  const plan = planContainers(objects, {
    pod: `apisrv-${process.pid}`,
    volumesDir: join(workDir, 'volumes'),
    hostPaths: { '/var/log/api-server': join(workDir, 'host-logs') },
    overrides: {
      renderer: { CONSUL_HTTP_ADDR: consulAddr },
      registrator: { CONSUL_HTTP_ADDR: consulAddr },
      's3-sync': { ...s3.env(), S3_ENDPOINT: s3Endpoint, SYNC_INTERVAL_MS: '500' },
      'haproxy-supervisor': { DRAIN_SECONDS: String(DRAIN_SECONDS) },
    },
    isOwnImage: (image) => image.startsWith('registry.example.com/api-server/'),
    pauseImage: TEST_IMAGE,
    pidsLimit: 256,
    nodeName: 'containers-test',
    nodeIp: gateway,
    // The engine socket's group, as overlays/example's supplementalGroups (never root's group 0).
    groupAdd: { registrator: socketGid === 0 ? [] : [socketGid] },
  });
  expect(plan.containers.map((c) => c.container)).toEqual(OURS);
  pod = new ContainerPod(plan.pause, plan.containers, plan.hostDirs);
  await pod.start();
  http = await pod.hostPort(80);
  await waitFor(async () => (await requestVia(http, 'web.localhost').catch(() => ({ status: 0, body: '' }))).body.startsWith('web-'), { timeoutMs: 120_000, what: 'the pod routing web.localhost' }).catch(async (err: Error) => {
    for (const c of OURS) console.log(`--- ${c}\n${(await pod!.logs(c)).slice(-3000)}`);
    throw err;
  });
}, 3_600_000);

afterAll(async () => {
  await pod?.remove();
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    s.close();
  }
  await consul?.destroy();
  await s3?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the pod as real containers', () => {
  it('runs every image of ours, built by scripts/build-images.sh, with the manifest image names', () => {
    const built = sizes.trim().split('\n').map((l) => l.split(' ')[0]);
    expect(built.sort()).toEqual(OURS.map((c) => `registry.example.com/api-server/${c}:0.1.0`).sort());
  });

  it('routes by Host and by path', async () => {
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await requestVia(http, 'web.localhost');
      expect(res.status).toBe(200);
      bodies.add(res.body);
    }
    expect(bodies).toEqual(new Set(['web-1', 'web-2']));
    expect((await requestVia(http, `127.0.0.1:${http}`, '/api/users')).body).toBe('api-1');
  });

  it('runs no container as root or with a writable root filesystem, with the manifest limits, --init, one network namespace', async () => {
    const pauseId = (await pod!.inspect('pause')).Id;
    for (const c of OURS) {
      const info = await pod!.inspect(c);
      expect(info.State.Running, c).toBe(true);
      expect(info.Config.User, c).toBe('10001:10001');
      expect(info.HostConfig.ReadonlyRootfs, c).toBe(true);
      expect(info.HostConfig.Init, c).toBe(true);
      expect(info.HostConfig.CapDrop, c).toEqual(['ALL']);
      expect(info.HostConfig.CapAdd ?? [], c).toEqual(c === 'haproxy-supervisor' ? ['NET_BIND_SERVICE'] : []);
      expect(info.HostConfig.SecurityOpt, c).toContain('no-new-privileges');
      expect(info.HostConfig.Memory, c).toBeGreaterThan(0);
      expect(info.HostConfig.NanoCpus, c).toBeGreaterThan(0);
      expect(info.HostConfig.PidsLimit, c).toBe(256);
      expect(info.HostConfig.NetworkMode, c).toBe(`container:${pauseId}`);
      // What the process itself sees: not uid 0, and / refuses writes.
      expect(await docker(['exec', info.Name.slice(1), 'id', '-u'])).toBe('10001');
      await expect(docker(['exec', info.Name.slice(1), 'touch', '/probe'])).rejects.toThrow(/Read-only file system/);
    }
    // Volume modes: the renderer reads templates read-only, s3-sync writes them.
    const mounts = (info: { Mounts: Array<{ Destination: string; RW: boolean }> }) => Object.fromEntries(info.Mounts.map((m) => [m.Destination, m.RW]));
    expect(mounts(await pod!.inspect('renderer'))['/shared/templates']).toBe(false);
    expect(mounts(await pod!.inspect('s3-sync'))['/shared/templates']).toBe(true);
    // apictl ships in the supervisor image, on PATH.
    // (exit 1 when a stage is degraded: the registrator may be, so only the output is checked)
    const status = spawnSync(DOCKER, ['exec', (await pod!.inspect('haproxy-supervisor')).Name.slice(1), 'apictl', 'status', '--json'], { encoding: 'utf8' });
    expect(Object.keys(JSON.parse(status.stdout))).toEqual(expect.arrayContaining(['s3-sync', 'renderer', 'haproxy-supervisor']));
  });

  it('puts request logs in the host log directory and counts them on :3803', async () => {
    const before = await countedRequests();
    const ids = Array.from({ length: 30 }, (_, i) => `containers-${String(i).padStart(3, '0')}`);
    for (const id of ids) expect((await requestVia(http, 'web.localhost', '/', { 'x-request-id': id })).status).toBe(200);
    await waitFor(async () => (await countedRequests()) - before >= ids.length, { timeoutMs: 30_000, what: ':3803 counting the requests' });
    const dir = join(workDir, 'host-logs');
    const text = (await Promise.all((await readdir(dir)).filter((f) => f.startsWith('haproxy.log') && !f.endsWith('.gz')).map((f) => readFile(join(dir, f), 'utf8')))).join('');
    for (const id of ids) expect(text, id).toContain(id);
    expect((await stat(dir)).uid).toBe(10001);
  });

  it('reloads 20 times under traffic with 0 failed requests', { timeout: 300_000 }, async () => {
    const traffic = new Traffic(http, { host: 'web.localhost', keepAliveClients: 2, newConnectionClients: 2, intervalMs: 20 });
    const config = configData();
    const source = new URL(config.SOURCE_URL!);
    const key = `${source.pathname.replace(/^\/+|\/+$/g, '')}/60-reload-marker.cfg`;
    try {
      for (let i = 1; i <= 20; i++) {
        const before = await supervisorMetric('haproxy_supervisor_reloads_total', { result: 'success' });
        // A new backend text each time: not applicable through the runtime API, so a reload.
        await s3!.put(source.hostname, key, `backend reload_marker\n    http-request return status 200 content-type text/plain string "v${i}"\n`);
        await waitFor(async () => (await supervisorMetric('haproxy_supervisor_reloads_total', { result: 'success' })) > before, { timeoutMs: 30_000, what: `reload ${i}` });
      }
    } finally {
      await traffic.stop();
    }
    const { keepAlive, newConnection } = traffic.stats;
    console.log(`containers: 20 reloads, keep-alive ${keepAlive.ok} ok / ${keepAlive.failed} failed, new-connection ${newConnection.ok} ok / ${newConnection.failed} failed`);
    expect(keepAlive.ok + newConnection.ok).toBeGreaterThan(200);
    expect({ keepAlive: keepAlive.reasons, newConnection: newConnection.reasons }).toEqual({ keepAlive: {}, newConnection: {} });
  });

  it('SIGTERM to the pod drains, and every container exits 0 within DRAIN_SECONDS plus a few seconds, idle keep-alive clients included', { timeout: 120_000 }, async () => {
    const idle = connect(http, '127.0.0.1');
    let answered = '';
    idle.on('data', (d: Buffer) => (answered += d.toString()));
    idle.on('error', () => undefined);
    idle.write('GET / HTTP/1.1\r\nHost: web.localhost\r\n\r\n');
    await waitFor(() => answered.includes(' 200 '), { timeoutMs: 5000, what: 'the keep-alive answer' });
    const started = Date.now();
    const codes = await pod!.terminate(60_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`containers: SIGTERM to exit in ${seconds.toFixed(1)} s (DRAIN_SECONDS ${DRAIN_SECONDS}, hard-stop-after 30s)`);
    idle.destroy();
    expect(codes).toEqual(Object.fromEntries(OURS.map((c) => [c, 0])));
    expect(seconds).toBeGreaterThanOrEqual(DRAIN_SECONDS);
    expect(seconds).toBeLessThan(DRAIN_SECONDS + 8);
  });
});
