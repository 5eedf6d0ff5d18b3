import { PipelineError } from '@api-server/core';
import type { AgentService } from '../plan.js';
import type { Registration } from '../registrations.js';
import { registratorError } from '../error-codes.js';

/**
 * The node's Consul agent, the four calls the registrator makes. Registrations go to
 * the local agent (not the catalog): the agent owns them, runs their checks, and
 * anti-entropy keeps the catalog in step; the agent's list is also what a restarted
 * agent lost, which is how the registrator notices it must register again.
 */
export class ConsulAgent {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** Every service the agent holds (ours are told apart by meta). */
  async services(signal: AbortSignal): Promise<AgentService[]> {
    const { body } = await this.call('GET', '/agent/services', signal);
    return Object.values((body ?? {}) as Record<string, AgentService>);
  }

  /**
   * Blocks until the agent's service list differs from `hash` (or `waitS` passes) and
   * answers the new hash: a restarted agent (its services gone) is seen at once.
   */
  async waitForChange(hash: string | undefined, waitS: number, signal: AbortSignal): Promise<string | undefined> {
    const query = hash ? `?hash=${encodeURIComponent(hash)}&wait=${waitS}s` : '';
    // Consul may add up to wait/16 of its own jitter: leave room for it.
    const { headers } = await this.call('GET', `/agent/services${query}`, signal, undefined, Math.ceil(waitS * 1.1 + 10) * 1000);
    return headers.get('x-consul-contenthash') ?? undefined;
  }

  async register(reg: Registration, signal: AbortSignal): Promise<void> {
    // replace-existing-checks: an update that changes the check must not leave the old one behind.
    await this.call('PUT', '/agent/service/register?replace-existing-checks=true', signal, reg);
  }

  async deregister(id: string, signal: AbortSignal): Promise<void> {
    await this.call('PUT', `/agent/service/deregister/${encodeURIComponent(id)}`, signal);
  }

  private async call(method: string, path: string, signal: AbortSignal, body?: unknown, timeoutMs = 10_000): Promise<{ body: unknown; headers: Headers }> {
    const headers: Record<string, string> = { 'user-agent': 'api-server-registrator' };
    if (this.token) headers['x-consul-token'] = this.token;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw this.fail(method, path, err);
    }
    const text = await res.text();
    if (!res.ok) throw this.fail(method, path, new Error(`HTTP ${res.status}: ${text.trim().slice(0, 200)}`), res.status);
    return { body: text.trim() ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
  }

  private fail(method: string, path: string, err: unknown, status?: number): PipelineError {
    const cause = (err as { cause?: { code?: unknown } }).cause;
    const route = path.split('?')[0];
    return registratorError('CONSUL_REQUEST', `consul ${method} ${route}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      context: { path: route, ...(status ? { status } : {}), ...(typeof cause?.code === 'string' ? { errno: cause.code } : {}) },
    });
  }
}
