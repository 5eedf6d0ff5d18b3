import http from 'node:http';
import https from 'node:https';
import { rendererError } from '../error-codes.js';
import { consistencyParams, jitteredWaitMs, readMeta, tooStale, type ConsistencyOptions, type ResponseMeta } from './consistency.js';
import { httpGet } from './http-get.js';
import { Limiter } from './limiter.js';
import type { Refusal } from './refusals.js';

export { parseConsulAddr, type ConsulAddress } from './consul-addr.js';
import type { ConsulAddress } from './consul-addr.js';

/** One read endpoint: path under /v1, its own query parameters, and how to read it. */
export interface ConsulEndpoint {
  path: string;
  query?: Record<string, string | undefined>;
  /** Consul 1.8 offers agent background-refresh caching here (`?cached`). */
  cacheable?: boolean;
  /** KV: base64 `Value`s decoded, 404 read as "no key"; `single` answers the one entry, not a list. */
  kv?: 'single' | 'list';
}

export type RequestMode = 'blocking' | 'immediate';

/** One answer. `unchanged`: a blocking query came back with the index it was sent (no body read). */
export interface ConsulAnswer {
  body: unknown;
  index?: string;
  unchanged?: boolean;
  /** The body as Consul sent it, when it sent one (a source compares answers by it). */
  text?: string;
}

/** What the client reports, for metrics. */
export interface ConsulObserver {
  request?(mode: RequestMode, result: 'success' | 'error'): void;
  inFlight?(mode: RequestMode, delta: 1 | -1): void;
  staleRequery?(queryId: string, meta: ResponseMeta): void;
  /** What one new answer of `queryId` left out (an empty list: nothing). */
  refused?(queryId: string, refusals: Refusal[]): void;
}

export interface ConsulClientOptions extends Partial<ConsistencyOptions> {
  token?: string | undefined;
  /** `wait` of blocking queries, seconds (jittered down by up to 1/8 per request). */
  waitSeconds: number;
  /** Immediate requests (first fetches, retries, leader re-queries) in flight at once. */
  concurrency?: number;
  observer?: ConsulObserver;
  /** Random source of the wait jitter (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Consul's HTTP API as the renderer reads it. Connections: one keep-alive agent without
 * a socket cap, because every watch holds one blocking query (one socket) open for up
 * to `wait`: capping sockets below the number of watches would queue watches behind
 * long-polls and starve their updates (Consul 1.8 has no streaming to multiplex them).
 * Immediate requests go through a `Limiter`. The agent's own per-client limit
 * (`limits.http_max_conns_per_client`, 200 by default) must exceed the watch count;
 * see the README.
 */
export class ConsulClient {
  private readonly agent: http.Agent;
  private readonly limiter: Limiter;
  private readonly consistency: ConsistencyOptions;
  private open = 0;

  constructor(
    private readonly address: ConsulAddress,
    private readonly opts: ConsulClientOptions,
  ) {
    const agentOpts = { keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096, scheduling: 'lifo' as const };
    this.agent = address.baseUrl.startsWith('https:') ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
    this.limiter = new Limiter(opts.concurrency ?? 16);
    this.consistency = { stale: opts.stale ?? false, maxStaleMs: opts.maxStaleMs ?? 0, cached: opts.cached ?? false };
  }

  /** Requests open now (blocking ones included): what counts against the agent's per-client connection limit. */
  get openRequests(): number {
    return this.open;
  }

  /**
   * One read; with `index`, a blocking query that answers when the data changed or the
   * wait ran out. A relaxed (stale/cached) answer older than the configured bound is
   * asked again of the leader.
   */
  async request(queryId: string, endpoint: ConsulEndpoint, index: string | undefined, signal: AbortSignal): Promise<ConsulAnswer> {
    const blocking = index !== undefined;
    const first = blocking
      ? await this.send(queryId, endpoint, 'relaxed', index, signal)
      : await this.limiter.run(() => this.send(queryId, endpoint, 'relaxed', undefined, signal), signal);
    if (!tooStale(first.meta, this.consistency, endpoint.cacheable ?? false)) return first;
    this.opts.observer?.staleRequery?.(queryId, first.meta);
    return this.limiter.run(() => this.send(queryId, endpoint, 'leader', undefined, signal), signal);
  }

  private async send(
    queryId: string,
    endpoint: ConsulEndpoint,
    mode: 'relaxed' | 'leader',
    index: string | undefined,
    signal: AbortSignal,
  ): Promise<ConsulAnswer & { meta: ResponseMeta }> {
    signal.throwIfAborted();
    const kind: RequestMode = index === undefined ? 'immediate' : 'blocking';
    const url = new URL(`${this.address.baseUrl}${endpoint.path}`);
    for (const [k, v] of Object.entries(endpoint.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    for (const [k, v] of Object.entries(consistencyParams(this.consistency, endpoint.cacheable ?? false, mode))) url.searchParams.set(k, v);
    const waitMs = jitteredWaitMs(this.opts.waitSeconds * 1000, this.opts.random);
    if (index !== undefined) {
      url.searchParams.set('index', index);
      url.searchParams.set('wait', `${waitMs}ms`);
    }
    // Consul adds up to wait/16 of its own jitter to a blocking query; leave room for it.
    const timeoutMs = index !== undefined ? Math.round(waitMs * 1.1) + 5_000 : 10_000;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'api-server-renderer' };
    if (this.opts.token) headers['x-consul-token'] = this.opts.token;
    this.open++;
    this.opts.observer?.inFlight?.(kind, 1);
    try {
      // A blocking query that ran out its wait answers the whole body again under the same
      // index. Same index, same data (Consul's rule): skip reading it, which is most of an
      // idle renderer's garbage (1,000 watches x the full health answer every wait).
      const sameIndex = (status: number, h: http.IncomingHttpHeaders) => index !== undefined && status === 200 && h['x-consul-index'] === index;
      const answer = await httpGet(url, { agent: this.agent, headers, signal, timeoutMs, discardBody: sameIndex });
      const meta = readMeta(answer.headers);
      if (sameIndex(answer.status, answer.headers)) return this.ok(kind, { unchanged: true, body: undefined, index: index as string, meta });
      if (answer.status === 404 && endpoint.kv) return this.ok(kind, { body: undefined, meta, ...(meta.index ? { index: meta.index } : {}) });
      if (answer.status !== 200) {
        throw Object.assign(new Error(`HTTP ${answer.status}: ${answer.text.trim().slice(0, 200)}`), { status: answer.status });
      }
      const json: unknown = answer.text.trim() ? JSON.parse(answer.text) : undefined;
      const body = endpoint.kv ? decodeKv(json, endpoint.kv) : json;
      return this.ok(kind, { body, text: answer.text, meta, ...(meta.index ? { index: meta.index } : {}) });
    } catch (err) {
      if (signal.aborted) {
        const abort = new Error('consul request aborted', { cause: err });
        abort.name = 'AbortError';
        throw abort;
      }
      this.opts.observer?.request?.(kind, 'error');
      const status = (err as { status?: number }).status;
      const code = (err as { code?: string }).code;
      const message = err instanceof Error ? err.message : String(err);
      throw rendererError('CONSUL_REQUEST', `consul ${queryId}: ${message}`, {
        cause: err,
        // openRequests: a reset with ~200 open is the agent's per-client connection limit.
        context: { query: queryId, path: endpoint.path, mode, ...(status ? { status } : {}), ...(code ? { errno: code } : {}), openRequests: this.open },
      });
    } finally {
      this.open--;
      this.opts.observer?.inFlight?.(kind, -1);
    }
  }

  private ok<T>(kind: RequestMode, value: T): T {
    this.opts.observer?.request?.(kind, 'success');
    return value;
  }

  /**
   * The agent's `limits.http_max_conns_per_client` (`DebugConfig.HTTPMaxConnsPerClient`
   * of /v1/agent/self in Consul 1.8), or undefined when the agent does not say.
   */
  async agentConnectionLimit(signal: AbortSignal): Promise<number | undefined> {
    const { body } = await this.request('agent.self', { path: '/agent/self' }, undefined, signal);
    const limit = (body as { DebugConfig?: { HTTPMaxConnsPerClient?: unknown } } | undefined)?.DebugConfig?.HTTPMaxConnsPerClient;
    return typeof limit === 'number' ? limit : undefined;
  }

  /** Passes what a source's normalize step refused on to the observer (the renderer's state, metrics and log). */
  reportRefusals(queryId: string, refusals: Refusal[]): void {
    this.opts.observer?.refused?.(queryId, refusals);
  }

  /** Closes idle keep-alive sockets (open requests are aborted through their signals). */
  destroy(): void {
    this.agent.destroy();
  }
}

/** KV answers as the normalizers read them: Values base64-decoded; an empty list is "no key". */
function decodeKv(body: unknown, shape: 'single' | 'list'): unknown {
  if (!Array.isArray(body) || body.length === 0) return undefined;
  const items = (body as Array<Record<string, unknown>>).map((item) =>
    typeof item.Value === 'string' ? { ...item, Value: Buffer.from(item.Value, 'base64').toString('utf8') } : item,
  );
  return shape === 'single' ? items[0] : items;
}
