import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { EngineClient } from '../../packages/registrator/src/sources/engine-client.js';
import { parseDockerHost, type EngineAddress } from '../../packages/registrator/src/sources/docker-host.js';
import { REPO_ROOT } from './component.js';

/** The image scripts/docker-engine.sh imports: a static busybox (no registry is reachable). */
export const TEST_IMAGE = 'local/busybox:test';
/** Every container a test starts carries this label; `removeAll` removes by it. */
export const TEST_LABEL = 'api-server-test';

/** Where scripts/docker-engine.sh records the dockerd it started (absent when the engine is someone else's). */
export const ENGINE_PIDFILE = '/var/run/dockerd-api-server.pid';

let engineSocket: string | undefined;

/** Installs and starts the engine if needed (scripts/docker-engine.sh, idempotent); its DOCKER_HOST. */
export function ensureEngine(force = false): string {
  if (force || !engineSocket) {
    engineSocket = execFileSync('bash', [resolve(REPO_ROOT, 'scripts/docker-engine.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 }).trim().split('\n').pop()!;
  }
  return engineSocket;
}

/** The pid of the dockerd scripts/docker-engine.sh started, if it is alive. */
export async function ourEnginePid(): Promise<number | undefined> {
  const pid = Number(await readFile(ENGINE_PIDFILE, 'utf8').catch(() => ''));
  if (!pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export interface TestContainer {
  id: string;
  name: string;
}

/**
 * Test workloads on the real engine, through its API (faster than a `docker` process
 * per container, which matters for bursts of 50). Each run labels its containers with
 * a run id and removes them all at the end.
 */
export class DockerTestEngine {
  readonly runId = randomBytes(4).toString('hex');
  readonly client: EngineClient;
  private readonly signal = new AbortController().signal;

  constructor(readonly dockerHost: string = ensureEngine()) {
    this.client = new EngineClient(parseDockerHost(dockerHost) as EngineAddress);
  }

  /**
   * Starts `busybox httpd` answering its own name on 8080 (published on 127.0.0.1, a
   * random host port), or on `port` with host networking.
   */
  async start(name: string, opts: { labels?: Record<string, string>; env?: string[]; hostNetworkPort?: number } = {}): Promise<TestContainer> {
    const fullName = `t${this.runId}-${name}`;
    const port = opts.hostNetworkPort ?? 8080;
    // Host networking shares the host's interfaces: listen on loopback only there.
    const listen = opts.hostNetworkPort ? `127.0.0.1:${port}` : String(port);
    const body = {
      Image: TEST_IMAGE,
      Cmd: ['sh', '-c', `echo ${name} > /tmp/index.html && exec httpd -f -p ${listen} -h /tmp`],
      Labels: { ...opts.labels, [TEST_LABEL]: this.runId },
      Env: opts.env ?? [],
      ExposedPorts: { [`${port}/tcp`]: {} },
      HostConfig: opts.hostNetworkPort
        ? { NetworkMode: 'host', Init: true }
        : { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, Init: true },
    };
    const created = await this.call('POST', `/containers/create?name=${fullName}`, body, [201]);
    const id = (created as { Id: string }).Id;
    await this.call('POST', `/containers/${id}/start`, undefined, [204, 304]);
    return { id, name: fullName };
  }

  stop(id: string): Promise<unknown> {
    return this.call('POST', `/containers/${id}/stop?t=1`, undefined, [204, 304]);
  }

  kill(id: string): Promise<unknown> {
    return this.call('POST', `/containers/${id}/kill`, undefined, [204]);
  }

  remove(id: string): Promise<unknown> {
    return this.call('DELETE', `/containers/${id}?force=true`, undefined, [204, 404]);
  }

  /** Host port of a running container's 8080. */
  async hostPort(id: string): Promise<number> {
    const info = (await this.call('GET', `/containers/${id}/json`, undefined, [200])) as { NetworkSettings: { Ports: Record<string, Array<{ HostPort: string }>> } };
    return Number(info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort);
  }

  /** Ids of every running container on the engine (not only this run's). */
  async runningIds(): Promise<string[]> {
    return ((await this.call('GET', '/containers/json', undefined, [200])) as Array<{ Id: string }>).map((c) => c.Id);
  }

  /** Removes every container of this run (running or not). */
  async removeAll(): Promise<void> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${TEST_LABEL}=${this.runId}`] }));
    const list = (await this.call('GET', `/containers/json?all=1&filters=${filters}`, undefined, [200])) as Array<{ Id: string }>;
    for (const c of list) await this.remove(c.Id);
    this.client.destroy();
  }

  private async call(method: string, path: string, body: unknown, ok: number[]): Promise<unknown> {
    const answer = await this.client.request(method, path, { signal: this.signal, body, timeoutMs: 30_000 });
    if (!ok.includes(answer.status)) throw new Error(`engine ${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
