import { pause } from '@api-server/core/base';
import type { AgentSelfQuery, NodeInfo } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';
import type { Refuse } from './refusals.js';
import { addressProblem, escapeValue, textProblem } from './untrusted.js';

/** `/v1/agent/self` -> this node's name and address; a refused one (a control character, not an address) answers ''. */
export function normalizeAgentSelf(body: unknown, refuse?: Refuse): NodeInfo {
  const self = (body ?? {}) as { Config?: { NodeName?: unknown; AdvertiseAddr?: unknown }; Member?: { Addr?: unknown } };
  const name = self.Config?.NodeName ?? '';
  const address = self.Member?.Addr || self.Config?.AdvertiseAddr || '';
  const nameProblem = textProblem(name);
  const addrProblem = address === '' ? undefined : addressProblem(address);
  if (nameProblem) refuse?.({ instance: escapeValue(name), field: 'node.name', reason: nameProblem });
  if (addrProblem) refuse?.({ instance: escapeValue(name), field: 'node.address', reason: addrProblem });
  return { name: nameProblem ? '' : (name as string), address: addrProblem ? '' : (address as string) };
}

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
