/**
 * Issue 13: how fast the registrator follows the engine. For each of N containers (one
 * at a time): engine start answered -> the instance is in the Consul agent; then `docker
 * stop` asked -> gone from the agent. Real engine (scripts/docker-engine.sh), real
 * `consul agent -dev`, the built registrator as a process; the agent is polled every 5 ms.
 * Goal: registered within 1 s of the start (issue 13), deregistered within 1 s of the stop.
 * Run: npx tsc -b packages/registrator && node --import tsx bench/registrator.ts
 * (writes bench/results/registrator.json). Knob: BENCH_CONTAINERS (20).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ComponentProcess } from '../test/helpers/component.js';
import { ConsulDev } from '../test/helpers/consul.js';
import { DockerTestEngine, type TestContainer } from '../test/helpers/docker.js';
import { freePort, waitFor } from '../test/helpers/ports.js';
import { percentile } from './percentile.js';

const N = Number(process.env.BENCH_CONTAINERS ?? 20);
const ROOT = resolve(import.meta.dirname, '..');

const docker = new DockerTestEngine();
const [consul, sharedDir, metricsPort] = await Promise.all([ConsulDev.start(), mkdtemp(join(tmpdir(), 'bench-registrator-')), freePort()]);
const registrator = new ComponentProcess('registrator', {
  SHARED_DIR: sharedDir,
  METRICS_ADDR: `127.0.0.1:${metricsPort}`,
  CONSUL_HTTP_ADDR: consul.addr,
  DOCKER_HOST: docker.dockerHost,
  NODE_IP: '127.0.0.1',
  NODE_NAME: 'bench',
  LOG_LEVEL: 'warn',
}).start();

const inAgent = async (c: TestContainer) => {
  const services = (await consul.api('GET', '/v1/agent/services')) as Record<string, { Meta?: Record<string, string> }>;
  return Object.values(services).some((s) => s.Meta?.['registrator-container'] === c.id);
};
const until = async (c: TestContainer, present: boolean, from: number) => {
  await waitFor(async () => (await inAgent(c)) === present, { intervalMs: 5, timeoutMs: 30_000, what: `${c.name} ${present}` });
  return Date.now() - from;
};

const register: number[] = [];
const deregister: number[] = [];
try {
  await waitFor(async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok, { what: 'registrator up' });
  for (let i = 0; i < N; i++) {
    const c = await docker.start(`bench${i}`, { labels: { SERVICE_NAME: 'bench' } });
    register.push(await until(c, true, Date.now()));
    const t0 = Date.now();
    await docker.stop(c.id);
    deregister.push(await until(c, false, t0));
    await docker.remove(c.id);
  }
} finally {
  await registrator.stop();
  await docker.removeAll();
  await consul.destroy();
  await rm(sharedDir, { recursive: true, force: true });
}

const row = (name: string, v: number[]) => ({ name, n: v.length, p50: percentile(v, 50), p95: percentile(v, 95), max: Math.max(...v) });
const rows = [row('registered after the engine answered start (ms)', register), row('deregistered after stop was asked (ms)', deregister)];
console.table(rows);
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(join(ROOT, 'bench/results/registrator.json'), `${JSON.stringify({ containers: N, rows }, null, 2)}\n`);
