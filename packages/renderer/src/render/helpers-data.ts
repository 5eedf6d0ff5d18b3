import type { HelperDelegate } from 'handlebars';
import {
  agentSelfQuery,
  catalogServicesQuery,
  healthServiceQuery,
  kvGetQuery,
  kvTreeQuery,
  type NodeInfo,
} from '../queries.js';
import { kvPathProblem, serviceNameProblem } from '../sources/kv-path.js';
import { arity, fail, hashBool, hashKeys, hashString, helperCall, stringArg, type HelperCall } from './args.js';
import type { RenderScope } from './scope.js';

export interface DataHelperOptions {
  /** Environment `(env ...)` reads (process.env in the component, anything in tests). */
  env: Readonly<Record<string, string | undefined>>;
  /** Names `(env ...)` may read (TEMPLATE_ENV_ALLOW). */
  envAllow: readonly string[];
  /** This node, when known without asking Consul (NODE_NAME / NODE_IP). */
  node: Partial<NodeInfo>;
}

/**
 * The helpers that read data. Each one is synchronous: it records its query in the
 * scope and answers from the cache. With no answer yet it returns an empty
 * placeholder; the scope marks the pass incomplete, so that output is never published.
 */
export function dataHelpers(scope: RenderScope, opts: DataHelperOptions): Record<string, HelperDelegate> {
  return {
    services(...args: unknown[]) {
      const call = helperCall('services', scope, args);
      arity(call, 0, 0, '(services dc="x")');
      hashKeys(call, ['dc']);
      return scope.lookup(catalogServicesQuery(hashString(call, 'dc'))) ?? [];
    },
    service(...args: unknown[]) {
      const call = helperCall('service', scope, args);
      arity(call, 1, 1, '(service "name" tag="x" passing=false dc="x")');
      hashKeys(call, ['tag', 'passing', 'dc']);
      const name = stringArg(call, 0, 'name', { nonEmpty: true });
      const problem = serviceNameProblem(name);
      if (problem) fail(call, `argument 1 (name) refused: ${problem}`, { argument: 'name' });
      const query = healthServiceQuery(name, { tag: hashString(call, 'tag'), passing: hashBool(call, 'passing'), dc: hashString(call, 'dc') });
      return scope.lookup(query) ?? [];
    },
    key(...args: unknown[]) {
      const call = helperCall('key', scope, args);
      arity(call, 1, 1, '(key "path")');
      hashKeys(call, []);
      const key = kvArg(call, 0, 'key');
      const value = scope.lookup(kvGetQuery(key));
      if (value === null) {
        throw scope.helperError(
          'TEMPLATE_KEY_MISSING',
          `key "${key}" does not exist in Consul KV, or its value was refused (see refused in state/renderer.json); use keyOrDefault for an optional key`,
          call.options,
          { key },
        );
      }
      return value ?? '';
    },
    keyOrDefault(...args: unknown[]) {
      const call = helperCall('keyOrDefault', scope, args);
      arity(call, 2, 2, '(keyOrDefault "path" "default")');
      hashKeys(call, []);
      const key = kvArg(call, 0, 'key');
      const fallback = stringArg(call, 1, 'default');
      return scope.lookup(kvGetQuery(key)) ?? fallback;
    },
    tree(...args: unknown[]) {
      const call = helperCall('tree', scope, args);
      arity(call, 1, 1, '(tree "prefix")');
      hashKeys(call, []);
      return scope.lookup(kvTreeQuery(kvArg(call, 0, 'prefix'))) ?? [];
    },
    env(...args: unknown[]) {
      const call = helperCall('env', scope, args);
      arity(call, 1, 2, '(env "NAME") or (env "NAME" "default")');
      hashKeys(call, []);
      const name = stringArg(call, 0, 'name', { nonEmpty: true });
      if (!opts.envAllow.includes(name)) {
        const allowed = opts.envAllow.length ? opts.envAllow.join(', ') : 'none';
        throw scope.helperError('TEMPLATE_ENV_DENIED', `env: variable ${name} is not in TEMPLATE_ENV_ALLOW (allowed: ${allowed})`, call.options, {
          variable: name,
        });
      }
      const value = opts.env[name];
      if (value !== undefined) return value;
      if (call.params.length === 2) return stringArg(call, 1, 'default');
      throw scope.helperError('TEMPLATE_ENV_MISSING', `env: variable ${name} is allowed but not set (give a default: (env "${name}" "value"))`, call.options, {
        variable: name,
      });
    },
    node(...args: unknown[]) {
      const call = helperCall('node', scope, args);
      arity(call, 0, 0, '(node) or {{node.name}}');
      return nodeInfo(scope, opts.node);
    },
  };
}

/**
 * A KV key or prefix argument, confined to the KV store: `..`, a leading `/`, empty
 * segments, `?`, `#`, `%`, `\` and control characters are refused with the template's
 * line (`TEMPLATE_KV_PATH`), before any request is built.
 */
function kvArg(call: HelperCall, i: number, kind: 'key' | 'prefix'): string {
  const path = stringArg(call, i, kind === 'key' ? 'path' : 'prefix', { nonEmpty: kind === 'key' });
  const problem = kvPathProblem(path, kind);
  if (problem) {
    throw call.scope.helperError('TEMPLATE_KV_PATH', `${call.helper}: ${kind} ${JSON.stringify(path.slice(0, 80))} refused: ${problem}`, call.options, {
      helper: call.helper,
      problem,
    });
  }
  return path;
}

/** This node: the configured name/address, asking the agent only for what is not configured. */
export function nodeInfo(scope: RenderScope, configured: Partial<NodeInfo>): NodeInfo {
  if (configured.name && configured.address) return { name: configured.name, address: configured.address };
  const self = scope.lookup(agentSelfQuery());
  return { name: configured.name || self?.name || '', address: configured.address || self?.address || '' };
}
