import { request as httpRequest } from 'node:http';
import { DemoInstance } from '../../packages/devkit/src/demo-services.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readTree } from '../../packages/core/src/tree.js';
import { ComponentProcess, REPO_ROOT } from './component.js';
import { ConsulDev } from './consul.js';
import { freePort, waitFor } from './ports.js';
import { S3Dev } from './s3.js';
import { checkedState } from './state.js';

export const EXAMPLE_TEMPLATES = resolve(REPO_ROOT, 'templates');

// One demo instance for `apictl-dev` (packages/devkit) and the tests: answers with its own id, counts hits.
export { DemoInstance };

export interface RouteResponse {
  status: number;
  body: string;
}

/** One HTTP request through HAProxy with a given Host header (a fresh connection each time). */
export function requestVia(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<RouteResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { ...headers, host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The whole config pipeline on real components: consul agent -dev, s3rver, and the
 * s3-sync, renderer and haproxy-supervisor processes started from their built
 * entry points with the contract's environment, sharing one SHARED_DIR.
 */
export class Pipeline {
  readonly components: { s3Sync: ComponentProcess; renderer: ComponentProcess; supervisor: ComponentProcess };
  /** Instances started with addInstance(), stopped with the pipeline. */
  readonly instances = new Map<string, DemoInstance>();
  /** The log-shipper and metrics sidecars, when started with `withLogs`. */
  readonly logs: { shipper: ComponentProcess; metrics: ComponentProcess; dir: string } | undefined;

  private constructor(
    readonly consul: ConsulDev,
    readonly s3: S3Dev,
    readonly sharedDir: string,
    readonly ports: {
      http: number; stats: number; postgres: number; s3Sync: number; renderer: number; supervisor: number; syslogTcp: number; syslogUdp: number;
      logShipper: number; metrics: number; logMetrics: number; haproxyMetrics: number;
    },
    readonly bucket: string,
    readonly prefix: string,
    opts: { withLogs?: boolean; logShipperEnv?: Record<string, string> } = {},
  ) {
    const common = { SHARED_DIR: sharedDir, LOG_LEVEL: 'debug' };
    this.components = {
      s3Sync: new ComponentProcess('s3-sync', {
        ...common,
        ...s3.env(),
        METRICS_ADDR: `127.0.0.1:${ports.s3Sync}`,
        SOURCE_URL: `s3://${bucket}/${prefix}`,
        SYNC_INTERVAL_MS: '250',
      }),
      renderer: new ComponentProcess('renderer', {
        ...common,
        METRICS_ADDR: `127.0.0.1:${ports.renderer}`,
        CONSUL_HTTP_ADDR: consul.addr,
        RENDER_WAIT_MIN_MS: '20',
        RENDER_WAIT_MAX_MS: '200',
        NODE_NAME: 'test-node',
        NODE_IP: '127.0.0.1',
        TEMPLATE_ENV_ALLOW: 'HTTP_BIND,STATS_BIND,POSTGRES_BIND',
        HTTP_BIND: `127.0.0.1:${ports.http}`,
        STATS_BIND: `127.0.0.1:${ports.stats}`,
        POSTGRES_BIND: `127.0.0.1:${ports.postgres}`,
      }),
      supervisor: new ComponentProcess('haproxy-supervisor', {
        ...common,
        METRICS_ADDR: `127.0.0.1:${ports.supervisor}`,
        HAPROXY_BIN: 'haproxy',
        DRAIN_SECONDS: '0',
        SYSLOG_TCP_ADDR: `127.0.0.1:${ports.syslogTcp}`,
      }),
    };
    if (opts.withLogs) {
      const dir = join(sharedDir, 'host-logs');
      this.logs = {
        dir,
        shipper: new ComponentProcess('log-shipper', {
          ...common,
          LOG_LEVEL: 'info',
          METRICS_ADDR: `127.0.0.1:${ports.logShipper}`,
          LOG_DIR: dir,
          SYSLOG_TCP_ADDR: `127.0.0.1:${ports.syslogTcp}`,
          SYSLOG_UDP_ADDR: `127.0.0.1:${ports.syslogUdp}`,
          ...opts.logShipperEnv,
        }),
        metrics: new ComponentProcess('metrics', {
          ...common,
          LOG_LEVEL: 'info',
          METRICS_ADDR: `127.0.0.1:${ports.metrics}`,
          LOG_DIR: dir,
          LOG_METRICS_ADDR: `127.0.0.1:${ports.logMetrics}`,
          HAPROXY_METRICS_ADDR: `127.0.0.1:${ports.haproxyMetrics}`,
        }),
      };
    }
  }

  static async start(opts: { bucket?: string; prefix?: string; withLogs?: boolean; logShipperEnv?: Record<string, string> } = {}): Promise<Pipeline> {
    const bucket = opts.bucket ?? 'routing';
    const [consul, s3, sharedDir] = await Promise.all([ConsulDev.start(), S3Dev.start([bucket]), mkdtemp(join(tmpdir(), 'pipeline-'))]);
    const names = ['http', 'stats', 'postgres', 's3Sync', 'renderer', 'supervisor', 'syslogTcp', 'syslogUdp', 'logShipper', 'metrics', 'logMetrics', 'haproxyMetrics'] as const;
    const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()] as const))) as Pipeline['ports'];
    return new Pipeline(consul, s3, sharedDir, ports, bucket, opts.prefix ?? 'prod', opts);
  }

  startAll(): void {
    // The log path first, so HAProxy's first lines find the shipper listening.
    this.logs?.shipper.start();
    this.logs?.metrics.start();
    for (const c of Object.values(this.components)) c.start();
  }

  /** Starts a loopback instance of `service` and registers it in Consul (TTL check passing unless told). */
  async addInstance(service: string, id: string, opts: { passing?: boolean } = {}): Promise<DemoInstance> {
    const instance = await DemoInstance.start(id, service);
    this.instances.set(id, instance);
    await this.consul.register({ id, name: service, address: '127.0.0.1', port: instance.port, passing: opts.passing ?? true });
    return instance;
  }

  /** Uploads a template tree as a plain prefix (no CURRENT), the `aws s3 sync` way. */
  async uploadTree(dir: string, skip: (path: string) => boolean = (p) => p === 'README.md'): Promise<void> {
    for (const file of await readTree(dir)) {
      if (!skip(file.path)) await this.s3.put(this.bucket, `${this.prefix}/${file.path}`, file.data);
    }
  }

  async putTemplate(path: string, body: string): Promise<void> {
    await this.s3.put(this.bucket, `${this.prefix}/${path}`, body);
  }

  request(host: string, path = '/', headers: Record<string, string> = {}): Promise<RouteResponse> {
    return requestVia(this.ports.http, host, path, headers);
  }

  /** Waits until `n` consecutive requests for `host` satisfy `ok`. */
  async waitForRouting(host: string, ok: (bodies: string[]) => boolean, opts: { n?: number; timeoutMs?: number; what?: string } = {}): Promise<string[]> {
    return waitFor(
      async () => {
        const bodies: string[] = [];
        for (let i = 0; i < (opts.n ?? 12); i++) bodies.push((await this.request(host)).body);
        return ok(bodies) ? bodies : undefined;
      },
      { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 100, what: opts.what ?? `routing for ${host}` },
    ).catch((err: Error) => {
      // What each stage last said: a pipeline that never routed is diagnosed from its components' output.
      const said = Object.entries(this.components).map(([name, proc]) => `--- ${name} (${proc.running ? 'running' : `exited ${proc.exitCode}`}):\n${proc.output.slice(-1500)}`);
      throw new Error(`${err.message}\n${said.join('\n')}`);
    });
  }

  /** A stage's state file, checked against its schema (core `stateSchemas`): every test reading one asserts the contract. */
  async state(component: string): Promise<Record<string, any>> {
    return checkedState(await readFile(join(this.sharedDir, 'state', `${component}.json`), 'utf8'));
  }

  metricsUrl(component: 's3Sync' | 'renderer' | 'supervisor'): string {
    return `http://127.0.0.1:${this.ports[component]}/metrics`;
  }

  async stop(): Promise<void> {
    // The supervisor last: it owns HAProxy and stops it on SIGTERM.
    await Promise.all([this.components.s3Sync.stop(), this.components.renderer.stop()]);
    await this.components.supervisor.stop();
    await Promise.all([this.logs?.shipper.stop(), this.logs?.metrics.stop()]);
    await Promise.all([this.consul.destroy(), this.s3.stop(), ...[...this.instances.values()].map((i) => i.stop())]);
    await rm(this.sharedDir, { recursive: true, force: true });
  }
}

/** A metric's value from a Prometheus text body (sum over series matching the label filter). */
export function metricValue(body: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of body.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      sum += Number(match[3]);
      found = true;
    }
  }
  return found ? sum : Number.NaN;
}

