import { Agent, request } from 'node:http';

/** Outcome of one kind of client: requests that got a 200, and every other outcome by reason. */
export interface ClientStats {
  ok: number;
  failed: number;
  /** Failure reason (`ECONNRESET`, `status 503`, ...) -> count. */
  reasons: Record<string, number>;
  /** Response body -> count, to see which backend answered. */
  bodies: Record<string, number>;
}

export interface TrafficStats {
  keepAlive: ClientStats;
  newConnection: ClientStats;
}

/**
 * Continuous loopback HTTP load with two kinds of client, each counted apart:
 * keep-alive clients (one persistent connection each, the case a soft stop races
 * with) and clients opening a new connection per request (the case a closed
 * listener refuses). No retries: every socket error is a failed request.
 */
export class Traffic {
  readonly stats: TrafficStats = { keepAlive: emptyStats(), newConnection: emptyStats() };
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly agents: Agent[] = [];
  private readonly intervalMs: number;

  constructor(
    readonly port: number,
    opts: { keepAliveClients?: number; newConnectionClients?: number; host?: string; path?: string; /** Each client sends one request per interval (a fixed rate); 0: back to back. */ intervalMs?: number } = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 0;
    const target = { host: opts.host ?? 'app.test', path: opts.path ?? '/' };
    for (let i = 0; i < (opts.keepAliveClients ?? 2); i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.push(agent);
      this.loops.push(this.loop(this.stats.keepAlive, target, agent));
    }
    for (let i = 0; i < (opts.newConnectionClients ?? 2); i++) this.loops.push(this.loop(this.stats.newConnection, target, false));
  }

  /** Requests completed so far, both kinds. */
  get total(): number {
    const { keepAlive: k, newConnection: n } = this.stats;
    return k.ok + k.failed + n.ok + n.failed;
  }

  async stop(): Promise<TrafficStats> {
    this.running = false;
    await Promise.all(this.loops);
    for (const agent of this.agents) agent.destroy();
    return this.stats;
  }

  private async loop(stats: ClientStats, target: { host: string; path: string }, agent: Agent | false): Promise<void> {
    let next = Date.now();
    while (this.running) {
      if (this.intervalMs > 0) {
        next += this.intervalMs;
        const wait = next - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      try {
        const { status, body } = await this.once(target, agent);
        if (status === 200) {
          stats.ok++;
          stats.bodies[body] = (stats.bodies[body] ?? 0) + 1;
        } else {
          fail(stats, `status ${status}`);
        }
      } catch (err) {
        fail(stats, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
        // A refused connection fails in microseconds; don't spin on it.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  private once(target: { host: string; path: string }, agent: Agent | false): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { host: target.host };
      if (agent === false) headers.connection = 'close';
      const req = request({ host: '127.0.0.1', port: this.port, path: target.path, agent, headers, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }
}

function emptyStats(): ClientStats {
  return { ok: 0, failed: 0, reasons: {}, bodies: {} };
}

function fail(stats: ClientStats, reason: string): void {
  stats.failed++;
  stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
}
