import http from 'node:http';
import { PipelineError } from '@api-server/core';
import { describeEngine, type EngineAddress } from './docker-host.js';
import { EventLineParser, type EngineEvent } from './engine-events.js';
import { registratorError } from '../error-codes.js';

/**
 * The engine API over plain node:http. Why not `dockerode` (5.x, well kept): it pulls in
 * gRPC, protobufjs and tar-fs (for BuildKit sessions and image builds) into a sidecar
 * that needs three GET endpoints, and its event stream is a raw stream we would parse
 * ourselves anyway. node:http speaks to a unix socket natively (`socketPath`), with no
 * extra agent library (undici's fetch needs its own `Agent`), and gives us per-request
 * timeouts and AbortSignals. The engine's own API version applies (unversioned paths):
 * the fields read exist since API 1.24.
 */
export class EngineClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(readonly address: EngineAddress) {}

  get where(): string {
    return describeEngine(this.address);
  }

  private options(method: string, path: string): http.RequestOptions {
    const target = this.address.kind === 'unix' ? { socketPath: this.address.socketPath } : { host: this.address.host, port: this.address.port };
    return { ...target, method, path, headers: { host: 'docker', accept: 'application/json' } };
  }

  /** One request answered with JSON (or nothing). `status` is returned, not thrown, for 404s the caller expects. */
  request(method: string, path: string, opts: { signal: AbortSignal; timeoutMs?: number; body?: unknown }): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const req = http.request({ ...this.options(method, path), agent: this.agent, signal: opts.signal, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', (err) => reject(this.fail(path, err)));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: text.trim() ? JSON.parse(text) : undefined });
          } catch (err) {
            reject(this.fail(path, err, res.statusCode));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`)));
      req.on('error', (err) => reject(signalled(opts.signal, err) ?? this.fail(path, err)));
      if (payload !== undefined) req.setHeader('content-type', 'application/json');
      req.end(payload);
    });
  }

  /** GET expecting 200 (or one of `accept`); anything else is an ENGINE_REQUEST error. */
  async getJson(path: string, signal: AbortSignal, accept: number[] = [200]): Promise<{ status: number; body: unknown }> {
    const answer = await this.request('GET', path, { signal });
    if (!accept.includes(answer.status)) throw this.fail(path, new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`), answer.status);
    return answer;
  }

  /**
   * Streams container events until the engine closes the stream (resolves) or the
   * connection fails (rejects). `onOpen` runs once the engine answered: events from then
   * on are seen, so a full reconcile started there misses nothing.
   */
  events(opts: { signal: AbortSignal; onOpen: () => void; onEvent: (e: EngineEvent) => void; onSkipped?: () => void }): Promise<void> {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
    return new Promise((resolve, reject) => {
      const req = http.request({ ...this.options('GET', `/events?filters=${filters}`), agent: false, signal: opts.signal }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(this.fail('/events', new Error(`HTTP ${res.statusCode}`), res.statusCode));
          return;
        }
        opts.onOpen();
        const parser = new EventLineParser();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const before = parser.skipped;
          for (const e of parser.push(chunk)) opts.onEvent(e);
          if (parser.skipped > before) opts.onSkipped?.();
        });
        res.on('error', (err) => reject(signalled(opts.signal, err) ?? this.fail('/events', err)));
        res.on('end', () => resolve());
      });
      req.on('error', (err) => reject(signalled(opts.signal, err) ?? this.fail('/events', err)));
      // tcp://: a silently dead peer ends the stream instead of leaving it open forever
      // (the periodic pass keeps the registrations right meanwhile, only slower).
      req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
      req.end();
    });
  }

  destroy(): void {
    this.agent.destroy();
  }

  private fail(path: string, err: unknown, status?: number): PipelineError {
    const errno = (err as { code?: unknown }).code;
    return registratorError('ENGINE_REQUEST', `container engine ${this.where}${path.split('?')[0]}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      context: { engine: this.where, path: path.split('?')[0], ...(status ? { status } : {}), ...(typeof errno === 'string' ? { errno } : {}) },
    });
  }
}

/** An abort is not a failure: surface it as the AbortError it is. */
function signalled(signal: AbortSignal, err: unknown): Error | undefined {
  if (!signal.aborted) return undefined;
  const abort = new Error('engine request aborted', { cause: err });
  abort.name = 'AbortError';
  return abort;
}
