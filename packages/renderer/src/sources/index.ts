import type { Source } from '@api-server/core';
import type { Query } from '../queries.js';
import { AgentSelfSource } from './agent-self.js';
import { CatalogServicesSource } from './catalog-services.js';
import type { ConsulClient } from './consul-client.js';
import { HealthServiceSource } from './health-service.js';
import { KvGetSource } from './kv-get.js';
import { KvTreeSource } from './kv-tree.js';

/** The Consul source that answers `query` (one file per kind). */
export function sourceFor(query: Query, client: ConsulClient): Source<unknown> {
  switch (query.kind) {
    case 'health.service':
      return new HealthServiceSource(query, client);
    case 'catalog.services':
      return new CatalogServicesSource(query, client);
    case 'kv.get':
      return new KvGetSource(query, client);
    case 'kv.tree':
      return new KvTreeSource(query, client);
    case 'agent.self':
      return new AgentSelfSource(query, client);
  }
}
