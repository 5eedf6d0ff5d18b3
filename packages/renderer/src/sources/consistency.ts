/**
 * How a Consul read is asked and whether its answer is fresh enough. Pure: the
 * client turns these decisions into query parameters and re-queries.
 */

export interface ConsistencyOptions {
  /** `?stale`: any server may answer, not only the leader (spreads reads across servers). */
  stale: boolean;
  /** With stale reads: an answer whose server last heard from the leader longer ago than this is re-asked in the default (leader) mode. 0: no bound. */
  maxStaleMs: number;
  /** `?cached` on endpoints with agent background-refresh caching (health service, catalog services). */
  cached: boolean;
}

/** What Consul says about an answer's freshness (response headers). */
export interface ResponseMeta {
  index?: string;
  /** `X-Consul-LastContact`: ms since the answering server heard from the leader (0 on the leader). */
  lastContactMs?: number;
  /** `X-Consul-KnownLeader`. */
  knownLeader?: boolean;
  /** `X-Cache`: HIT or MISS for `?cached` requests. */
  cache?: string;
}

/** Reads the freshness headers; node lower-cases header names. */
export function readMeta(headers: Record<string, string | string[] | undefined>): ResponseMeta {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const index = one('x-consul-index');
  const lastContact = one('x-consul-lastcontact');
  const knownLeader = one('x-consul-knownleader');
  const cache = one('x-cache');
  return {
    ...(index !== undefined ? { index } : {}),
    ...(lastContact !== undefined && /^\d+$/.test(lastContact) ? { lastContactMs: Number(lastContact) } : {}),
    ...(knownLeader !== undefined ? { knownLeader: knownLeader === 'true' } : {}),
    ...(cache !== undefined ? { cache } : {}),
  };
}

/**
 * Query parameters for one read. `relaxed` is the normal mode (stale and/or cached as
 * configured); `leader` is the re-query after a too-stale answer: Consul's default
 * mode, answered by the leader, never from the agent cache. `?cached` only goes to
 * endpoints that support background-refresh caching (Consul ignores it on others, but
 * sending it there would suggest a cache that is not there).
 */
export function consistencyParams(opts: ConsistencyOptions, cacheable: boolean, mode: 'relaxed' | 'leader'): Record<string, string> {
  if (mode === 'leader') return {};
  const params: Record<string, string> = {};
  if (opts.cached && cacheable) params.cached = '';
  // The agent cache reads with AllowStale on its own; `stale` is still sent so a cache
  // miss on an endpoint without caching spreads across servers too.
  if (opts.stale) params.stale = '';
  return params;
}

/**
 * True when a relaxed answer must be asked again of the leader: stale reads are on,
 * a bound is set, and the server either knows no leader (an election: its data may be
 * arbitrarily old) or last heard from it longer ago than the bound. An answer without
 * the headers (an old agent, a proxy) is taken as it is.
 */
export function tooStale(meta: ResponseMeta, opts: ConsistencyOptions, cacheable: boolean): boolean {
  const relaxed = opts.stale || (opts.cached && cacheable);
  if (!relaxed || opts.maxStaleMs <= 0) return false;
  if (meta.knownLeader === false) return true;
  return meta.lastContactMs !== undefined && meta.lastContactMs > opts.maxStaleMs;
}

/** Consul's ceiling for `wait`. */
const MAX_WAIT_MS = 600_000;

/**
 * The `wait` sent with one blocking query: the configured wait, give or take 1/16 of
 * it at random (capped at Consul's 10 minutes). Consul adds up to wait/16 on its side,
 * so one request lasts about 1.03 waits on average: an idle watch costs a little under
 * one request per wait. Each re-arm draws a new wait, so 1,000 watches armed in the
 * same second drift apart instead of timing out and re-arming in lockstep forever. It
 * costs no latency: a change still answers the open query at once.
 */
export function jitteredWaitMs(waitMs: number, random: () => number = Math.random): number {
  return Math.min(MAX_WAIT_MS, Math.max(1000, Math.round(waitMs * (1 + (random() - 0.5) / 8))));
}
