import { PipelineError } from '@api-server/core';
import { MapDataView, sortInstances, type DataView, type Query, type ServiceInstance } from '@api-server/renderer';

/**
 * `apictl validate --consul`: answers the templates' queries from a live Consul, as
 * the renderer would, with plain (non-blocking) reads. The renderer's own Consul
 * sources are not exported, so the few normalisations are repeated here.
 */
export class ConsulSnapshot {
  readonly values = new Map<string, unknown>();
  readonly view: DataView = new MapDataView(this.values);
  private readonly base: string;

  constructor(addr: string, private readonly token = process.env.CONSUL_HTTP_TOKEN) {
    this.base = /^https?:\/\//.test(addr) ? addr.replace(/\/+$/, '') : `http://${addr}`;
  }

  /** Fetches every query not answered yet. */
  async answer(queries: readonly Query[]): Promise<void> {
    await Promise.all(queries.filter((q) => !this.values.has(q.id)).map(async (q) => this.values.set(q.id, await this.fetch(q))));
  }

  private async get(path: string, allow404 = false): Promise<unknown> {
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: this.token ? { 'X-Consul-Token': this.token } : {}, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new PipelineError('CONSUL_UNREACHABLE', `--consul: GET ${url}: ${(err as Error).message}`, { cause: err, context: { url } });
    }
    if (res.status === 404 && allow404) return null;
    if (!res.ok) throw new PipelineError('CONSUL_REQUEST_FAILED', `--consul: GET ${url}: HTTP ${res.status} ${(await res.text()).trim()}`, { context: { url } });
    return res.json();
  }

  private async fetch(q: Query): Promise<unknown> {
    const enc = encodeURIComponent;
    switch (q.kind) {
      case 'health.service': {
        const params = new URLSearchParams();
        if (q.passing) params.set('passing', 'true');
        if (q.tag !== undefined) params.set('tag', q.tag);
        if (q.dc !== undefined) params.set('dc', q.dc);
        return normalizeHealth(await this.get(`/v1/health/service/${enc(q.name)}?${params}`));
      }
      case 'catalog.services': {
        const body = (await this.get(`/v1/catalog/services${q.dc ? `?dc=${enc(q.dc)}` : ''}`)) as Record<string, string[] | null>;
        return Object.keys(body ?? {})
          .sort()
          .map((name) => ({ name, tags: [...(body[name] ?? [])].sort() }));
      }
      case 'kv.get': {
        const body = (await this.get(`/v1/kv/${q.key.split('/').map(enc).join('/')}`, true)) as Array<{ Value?: string | null }> | null;
        if (!body || body.length === 0) return null;
        return decode(body[0]?.Value);
      }
      case 'kv.tree': {
        const body = ((await this.get(`/v1/kv/${q.prefix.split('/').map(enc).join('/')}?recurse=true`, true)) ?? []) as Array<{ Key: string; Value?: string | null }>;
        return body
          .filter((i) => !i.Key.endsWith('/'))
          .map((i) => ({ key: i.Key.slice(q.prefix.length).replace(/^\/+/, ''), path: i.Key, value: decode(i.Value) }))
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      }
      case 'agent.self': {
        const self = (await this.get('/v1/agent/self')) as { Config?: { NodeName?: string; AdvertiseAddr?: string }; Member?: { Addr?: string } };
        return { name: self.Config?.NodeName ?? '', address: self.Member?.Addr || self.Config?.AdvertiseAddr || '' };
      }
    }
  }
}

function decode(value: string | null | undefined): string {
  return value ? Buffer.from(value, 'base64').toString('utf8') : '';
}

const RANK = { passing: 0, warning: 1, critical: 2 } as const;

function normalizeHealth(body: unknown): ServiceInstance[] {
  type Entry = {
    Node?: { Node?: string; Address?: string };
    Service?: { ID?: string; Service?: string; Address?: string; Port?: number; Tags?: string[] | null; Meta?: Record<string, string> | null };
    Checks?: Array<{ Status?: string }>;
  };
  return sortInstances(
    (Array.isArray(body) ? (body as Entry[]) : []).map((e) => {
      let status: ServiceInstance['status'] = 'passing';
      for (const c of e.Checks ?? []) {
        const s = (c.Status && c.Status in RANK ? c.Status : 'critical') as keyof typeof RANK;
        if (RANK[s] > RANK[status]) status = s;
      }
      return {
        id: e.Service?.ID ?? '',
        name: e.Service?.Service ?? '',
        node: e.Node?.Node ?? '',
        address: e.Service?.Address || e.Node?.Address || '',
        port: e.Service?.Port ?? 0,
        tags: [...(e.Service?.Tags ?? [])],
        meta: { ...(e.Service?.Meta ?? {}) },
        status,
      };
    }),
  );
}
