import { compareStrings, type CatalogService, type CatalogServicesQuery } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';

/** `/v1/catalog/services` (`{name: tags}`) -> `[{name, tags}]` by name, tags sorted and unique. */
export function normalizeCatalogServices(body: unknown): CatalogService[] {
  const map = body && typeof body === 'object' ? (body as Record<string, string[] | null>) : {};
  return Object.keys(map)
    .sort(compareStrings)
    .map((name) => ({ name, tags: [...new Set(map[name] ?? [])].sort(compareStrings) }));
}

/** `(services)`: every service in the catalog, as a blocking query. */
export class CatalogServicesSource extends ConsulSource<CatalogService[]> {
  constructor(
    readonly query: CatalogServicesQuery,
    client: ConsulClient,
  ) {
    super(query.id, client);
  }

  // Background-refresh cached in Consul 1.8 too (`catalog-list-services`).
  protected get endpoint(): ConsulEndpoint {
    return { path: '/catalog/services', query: { dc: this.query.dc }, cacheable: true };
  }

  protected normalize(body: unknown): CatalogService[] {
    return normalizeCatalogServices(body);
  }
}
