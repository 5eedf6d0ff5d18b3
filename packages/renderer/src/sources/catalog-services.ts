import { compareStrings, type CatalogService, type CatalogServicesQuery } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';
import { validCatalogServices, type Refuse } from './refusals.js';

/**
 * `/v1/catalog/services` (`{name: tags}`) -> `[{name, tags}]` by name, tags sorted and
 * unique. A service whose name or a tag carries a control character is left out and
 * reported to `refuse`.
 */
export function normalizeCatalogServices(body: unknown, refuse?: Refuse): CatalogService[] {
  const map = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const candidates = Object.keys(map)
    .sort(compareStrings)
    .map((name) => {
      const tags = map[name] ?? [];
      return { name, tags: Array.isArray(tags) ? [...new Set(tags)].sort(compareStrings) : tags };
    });
  return validCatalogServices(candidates, refuse);
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

  protected normalize(body: unknown, refuse: Refuse): CatalogService[] {
    return normalizeCatalogServices(body, refuse);
  }
}
