import { EventEmitter } from 'node:events';
import Consul from 'consul';
import { PipelineError } from '@api-server/core';

/** Where Consul's HTTP API is, parsed the way Consul's own CLI reads CONSUL_HTTP_ADDR. */
export interface ConsulAddress {
  baseUrl: string;
}

/**
 * `host:port`, `host`, `http://host:port` or `https://host:port` (CONSUL_HTTP_SSL=true
 * turns the scheme-less forms into https, as in Consul's CLI). Unix sockets are not
 * supported. Returns an error message instead of throwing, for the zod schema.
 */
export function parseConsulAddr(value: string, ssl = false): ConsulAddress | string {
  const raw = value.trim();
  if (raw.startsWith('unix://')) return 'unix sockets are not supported; use host:port or http(s)://host:port';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${ssl ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return `expected host:port or http(s)://host:port, got "${value}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol} (use http or https)`;
  if (!url.hostname) return `no host in "${value}"`;
  const port = url.port || (url.protocol === 'https:' ? '443' : raw.includes('://') ? '80' : '8500');
  return { baseUrl: `${url.protocol}//${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${port}/v1` };
}

/** The slice of the `consul` package we call; its typings omit `ctx`, `index` and `timeout`. */
export type ConsulCall = (api: ConsulApi, opts: Record<string, unknown>) => Promise<unknown>;
export interface ConsulApi {
  health: { service(opts: Record<string, unknown>): Promise<unknown> };
  catalog: { service: { list(opts: Record<string, unknown>): Promise<unknown> } };
  kv: { get(opts: Record<string, unknown>): Promise<unknown> };
  agent: { self(opts: Record<string, unknown>): Promise<unknown> };
  destroy(): void;
}

interface Response {
  statusCode?: number;
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * Runs Consul requests through the `consul` package (silas/node-consul): blocking
 * queries with `index` + `wait`, the response read via `ctx.includeResponse` for the
 * X-Consul-Index header, and an AbortSignal bridged to the `ctx` 'cancel' event.
 */
export class ConsulClient {
  readonly api: ConsulApi;

  constructor(
    address: ConsulAddress,
    private readonly opts: { token?: string; waitSeconds: number; onRequest?: (ok: boolean) => void },
  ) {
    const defaults = opts.token ? { token: opts.token } : undefined;
    this.api = new Consul({ baseUrl: address.baseUrl, ...(defaults ? { defaults } : {}) } as never) as unknown as ConsulApi;
  }

  /** One request; with `index`, a blocking query that returns when the answer changed or `wait` passed. */
  async request(queryId: string, call: ConsulCall, index: string | undefined, signal: AbortSignal): Promise<{ body: unknown; index?: string }> {
    signal.throwIfAborted();
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const cancel = () => ctx.emit('cancel');
    signal.addEventListener('abort', cancel, { once: true });
    const blocking = index !== undefined;
    // Consul adds up to wait/16 of jitter to a blocking query; leave room for it.
    const timeout = blocking ? this.opts.waitSeconds * 1000 * 1.1 + 5_000 : 10_000;
    try {
      const opts: Record<string, unknown> = { ctx, timeout, ...(blocking ? { index, wait: `${this.opts.waitSeconds}s` } : {}) };
      const result = (await call(this.api, opts)) as [Response, unknown] | undefined;
      const [res, body] = result ?? [{}, undefined];
      this.opts.onRequest?.(true);
      const header = res.headers?.['x-consul-index'];
      return { body, ...(typeof header === 'string' ? { index: header } : {}) };
    } catch (err) {
      if (signal.aborted) {
        const abort = new Error('consul request aborted', { cause: err });
        abort.name = 'AbortError';
        throw abort;
      }
      this.opts.onRequest?.(false);
      const status = (err as { response?: Response; statusCode?: number }).response?.statusCode;
      const message = err instanceof Error ? err.message : String(err);
      throw new PipelineError('CONSUL_REQUEST', `consul ${queryId}: ${message}`, {
        cause: err,
        context: { query: queryId, ...(status ? { status } : {}) },
      });
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  destroy(): void {
    this.api.destroy();
  }
}
