import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { freePorts, waitFor } from './ports.js';

/**
 * A real HAProxy sending its logs the way the supervisor's `global` section does:
 * a `ring` forwarding octet-counted RFC 5424 syslog over TCP, and/or RFC 3164 over
 * UDP. One `option httplog` frontend (with header captures) in front of a tiny Node
 * backend, and one `option tcplog` listener.
 */
export class HaproxyLogSource {
  private proc: ChildProcess | undefined;
  private backend: Server | undefined;
  output = '';
  httpPort = 0;
  tcpPort = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  private constructor(private readonly dir: string) {}

  static async start(opts: { syslogTcpPort?: number; syslogUdpPort?: number; ringBytes?: number }): Promise<HaproxyLogSource> {
    const src = new HaproxyLogSource(await mkdtemp(join(tmpdir(), 'haproxy-logs-')));
    const [httpPort, tcpPort, backendPort] = (await freePorts(3)) as [number, number, number];
    src.httpPort = httpPort;
    src.tcpPort = tcpPort;
    src.backend = createServer((req, res) => {
      res.setHeader('x-backend', 'node');
      res.end(`ok ${req.url}\n`);
    });
    await new Promise<void>((r) => src.backend!.listen(backendPort, '127.0.0.1', r));
    const logs: string[] = [];
    if (opts.syslogTcpPort) logs.push('  log ring@shipper local0');
    if (opts.syslogUdpPort) logs.push(`  log 127.0.0.1:${opts.syslogUdpPort} local0`);
    const cfg = [
      'global',
      ...logs,
      '  maxconn 1000',
      ...(opts.syslogTcpPort
        ? [
            'ring shipper',
            '  format rfc5424',
            '  maxlen 8192',
            `  size ${opts.ringBytes ?? 4 * 1024 * 1024}`,
            '  timeout connect 1s',
            '  timeout server 30s',
            `  server shipper 127.0.0.1:${opts.syslogTcpPort} log-proto octet-count`,
          ]
        : []),
      'defaults',
      '  mode http',
      '  log global',
      '  option httplog',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend web',
      `  bind 127.0.0.1:${httpPort}`,
      '  capture request header Host len 64',
      '  capture response header X-Backend len 16',
      '  default_backend app',
      'backend app',
      `  server node1 127.0.0.1:${backendPort}`,
      'listen rawtcp',
      '  mode tcp',
      '  option tcplog',
      `  bind 127.0.0.1:${tcpPort}`,
      `  server node1 127.0.0.1:${backendPort}`,
      '',
    ].join('\n');
    await writeFile(join(src.dir, 'haproxy.cfg'), cfg);
    src.proc = spawn('haproxy', ['-f', join(src.dir, 'haproxy.cfg'), '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    src.proc.stdout?.on('data', (d: Buffer) => (src.output += d.toString()));
    src.proc.stderr?.on('data', (d: Buffer) => (src.output += d.toString()));
    await waitFor(() => src.get('/ready').then((s) => s === 200), { timeoutMs: 10_000, what: `haproxy up; output: ${src.output}` });
    return src;
  }

  /** One GET through the httplog frontend; resolves with the status. */
  get(path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.httpPort, path, agent: this.agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** `count` GETs of `/<prefix>/<i>`, `concurrency` at a time. */
  async load(prefix: string, count: number, concurrency = 16, from = 0): Promise<void> {
    let next = from;
    const end = from + count;
    const worker = async () => {
      while (next < end) {
        const i = next++;
        const status = await this.get(`/${prefix}/${i}`);
        if (status !== 200) throw new Error(`GET /${prefix}/${i}: ${status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((r) => (this.backend ? this.backend.close(() => r()) : r()));
    this.backend?.closeAllConnections();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Every line of `haproxy.log` and its rotated files (`.N.gz`, a plain `.1` still being compressed). */
export async function readAllLogLines(dir: string, base = 'haproxy.log'): Promise<{ files: string[]; lines: string[] }> {
  const files = (await readdir(dir)).filter((n) => n === base || n.startsWith(`${base}.`)).sort();
  const lines: string[] = [];
  for (const name of files) {
    if (name.endsWith('.tmp')) continue;
    const data = await readFile(join(dir, name));
    const text = name.endsWith('.gz') ? gunzipSync(data).toString('utf8') : data.toString('utf8');
    for (const line of text.split('\n')) if (line) lines.push(line);
  }
  return { files, lines };
}

/** How often each `/<prefix>/<i>` request appears among RFC 5424 (ring) lines. */
export function countRequests(lines: string[], prefix: string): Map<number, number> {
  const counts = new Map<number, number>();
  const needle = `"GET /${prefix}/`;
  for (const line of lines) {
    if (!line.startsWith('<') || !/^<\d+>1 /.test(line)) continue;
    const at = line.indexOf(needle);
    if (at < 0) continue;
    const id = Number.parseInt(line.slice(at + needle.length), 10);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
