import type { FetchResult, Source } from '@api-server/core';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';

/**
 * What every Consul-backed source shares: one request per fetch through the client,
 * and one guard the generic watch loop lacks. After a failed fetch the next one asks
 * without an index: a Consul that restarted (a -dev agent, a lost data dir) starts
 * its index low again, and a blocking query on our old, higher index would sit for
 * the whole `wait` before the loop could notice the index went backwards.
 */
export abstract class ConsulSource<T> implements Source<T> {
  private failed = false;

  constructor(
    readonly id: string,
    protected readonly client: ConsulClient,
  ) {}

  /** The endpoint this source reads (path, its parameters, whether the agent caches it). */
  protected abstract readonly endpoint: ConsulEndpoint;
  protected abstract normalize(body: unknown): T;

  async fetch(opts: { index: string | undefined; signal: AbortSignal }): Promise<FetchResult<T>> {
    try {
      const result = await this.client.request(this.id, this.endpoint, this.failed ? undefined : opts.index, opts.signal);
      this.failed = false;
      return { value: this.normalize(result.body), ...(result.index === undefined ? {} : { index: result.index }) };
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }
}
