import type { NodeInfo } from '../queries.js';
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
