import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, waitFor } from './free-port.js';

/** The repository root, from this file's place in packages/devkit/{src,dist}. */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** The Consul binary the project installs (scripts/install-system-deps.sh), or CONSUL_BIN. */
export const consulBin = (repoRoot = REPO_ROOT) => process.env.CONSUL_BIN ?? resolve(repoRoot, 'tools/consul');

/**
 * A real `consul agent -dev` on loopback ports (measured here: ready when the leader is
 * known), for the local pod and the tests.
 */
export class ConsulDev {
  private proc: ChildProcess | undefined;
  private dataDir = '';
  output = '';

  private constructor(
    readonly bin: string,
    readonly ports: { http: number; serfLan: number; serfWan: number; server: number },
    readonly nodeName: string,
  ) {}

  static async start(opts: { bin?: string; httpPort?: number; nodeName?: string } = {}): Promise<ConsulDev> {
    // The ports are free when picked, but anything on the machine may take one before Consul
    // binds it (an outgoing connection's ephemeral port, another test's server): a full CI run
    // once lost a test file to that. Then start over on new ones.
    for (let attempt = 1; ; attempt++) {
      const [http, serfLan, serfWan, server] = await freePorts(4);
      const ports = { http: opts.httpPort ?? http!, serfLan: serfLan!, serfWan: serfWan!, server: server! };
      const agent = new ConsulDev(opts.bin ?? consulBin(), ports, opts.nodeName ?? 'test-node');
      try {
        await agent.launch();
        return agent;
      } catch (err) {
        await agent.destroy();
        if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
      }
    }
  }

  get addr(): string {
    return `127.0.0.1:${this.ports.http}`;
  }

  get url(): string {
    return `http://${this.addr}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts (or restarts after stop()) the agent on the same ports. */
  async launch(): Promise<void> {
    this.dataDir ||= await mkdtemp(join(tmpdir(), 'consul-dev-'));
    const p = this.ports;
    const proc = spawn(
      this.bin,
      ['agent', '-dev', '-bind', '127.0.0.1', '-client', '127.0.0.1', '-node', this.nodeName,
        `-http-port=${p.http}`, '-dns-port=-1', '-grpc-port=-1', `-serf-lan-port=${p.serfLan}`,
        `-serf-wan-port=${p.serfWan}`, `-server-port=${p.server}`, `-data-dir=${this.dataDir}`, '-log-level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code, signal) => reject(new Error(`consul exited (${signal ?? code}) before it was ready:\n${this.output.slice(-2000)}`)));
    });
    try {
      await Promise.race([
        failed,
        waitFor(async () => ((await (await fetch(`${this.url}/v1/status/leader`)).json()) as string).length > 0, { timeoutMs: 60_000, what: `consul leader on ${this.addr}` }),
      ]);
    } catch (err) {
      proc.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\nconsul output:\n${this.output.slice(-2000)}`);
    } finally {
      failed.catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((r) => {
      proc.once('exit', () => r());
      proc.kill('SIGKILL');
    });
    this.proc = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  async api(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`consul ${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  /** Registers a service instance with a TTL check that starts passing (or not). */
  async register(opts: { id: string; name: string; address: string; port: number; tags?: string[]; meta?: Record<string, string>; passing?: boolean }): Promise<void> {
    await this.api('PUT', '/v1/agent/service/register', {
      ID: opts.id,
      Name: opts.name,
      Address: opts.address,
      Port: opts.port,
      Tags: opts.tags ?? [],
      Meta: opts.meta ?? {},
      Check: { CheckID: `check-${opts.id}`, TTL: '600s', Status: opts.passing === false ? 'critical' : 'passing' },
    });
  }

  async deregister(id: string): Promise<void> {
    await this.api('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
  }

  async setHealth(id: string, passing: boolean): Promise<void> {
    await this.api('PUT', `/v1/agent/check/${passing ? 'pass' : 'fail'}/check-${encodeURIComponent(id)}`);
  }

  async putKey(key: string, value: string): Promise<void> {
    const res = await fetch(`${this.url}/v1/kv/${key}`, { method: 'PUT', body: value });
    if (!res.ok) throw new Error(`consul kv put ${key}: ${res.status}`);
  }
}
