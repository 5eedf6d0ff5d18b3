import { pause } from '@api-server/core';
import type { AgentSelfQuery, NodeInfo } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';
import type { Refuse } from './refusals.js';
import { normalizeAgentSelf } from './node-info.js';

/**
 * `{{node.name}}` when NODE_NAME/NODE_IP are not set. The agent endpoint has no
 * blocking index, so this source polls: it answers at once the first time, then waits
 * `pollMs` before each later fetch, which keeps the generic watch loop from spinning.
 */
export class AgentSelfSource extends ConsulSource<NodeInfo> {
  constructor(
    readonly query: AgentSelfQuery,
    client: ConsulClient,
    private readonly pollMs = 60_000,
  ) {
    super(query.id, client);
  }

  protected get endpoint(): ConsulEndpoint {
    return { path: '/agent/self' };
  }

  override async fetch(opts: { index: string | undefined; signal: AbortSignal }) {
    if (opts.index !== undefined) await pause(this.pollMs, opts.signal);
    const result = await super.fetch({ index: undefined, signal: opts.signal });
    return { value: result.value, index: 'poll' };
  }

  protected normalize(body: unknown, refuse: Refuse): NodeInfo {
    return normalizeAgentSelf(body, refuse);
  }
}
