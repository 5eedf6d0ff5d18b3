import { boolFromEnv, intFromEnv, listFromEnv, z } from '@api-server/core';
import { DEFAULT_LIMITS } from './render/limits.js';
import { parseConsulAddr } from './sources/consul-client.js';

/** The renderer's environment (docs/architecture.md, "processes, ports, environment"). */
export const rendererEnv = {
  CONSUL_HTTP_ADDR: z
    .string()
    .default('127.0.0.1:8500')
    .superRefine((value, ctx) => {
      const parsed = parseConsulAddr(value);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }),
  CONSUL_HTTP_TOKEN: z.string().optional(),
  /** As in Consul's CLI: https for a scheme-less CONSUL_HTTP_ADDR. */
  CONSUL_HTTP_SSL: boolFromEnv.default(false),
  /** Quiescence: render once no change arrived for MIN ms, but at most MAX ms after the first change. */
  RENDER_WAIT_MIN_MS: intFromEnv(0).default(50),
  RENDER_WAIT_MAX_MS: intFromEnv(0).default(1000),
  /** Leading edge: a change after a quiet period renders at once; only changes following it within MIN wait. */
  RENDER_WAIT_LEADING: boolFromEnv.default(true),
  /** How long a health query that went empty keeps its previous instances. 0 turns the hold off. */
  RENDER_EMPTY_GRACE_MS: intFromEnv(0).default(30_000),
  /**
   * A watch re-arms at once after up to 3 quick answers, then at most once per this many ms
   * (+ up to 20 %): what a flapping service costs per node and watch. 100 ms is consul-template's
   * minimum delay between a view's updates; 250 put a flip that follows two others within
   * ~200 ms up to 300 ms late (bench/peers.ts: flip p50 110 ms against 77 for HAProxy DNS).
   */
  RENDER_WATCH_MIN_GAP_MS: intFromEnv(0).max(60_000).default(100),
  /**
   * `wait` of Consul blocking queries, seconds (Consul caps it at 600). Long, so an idle
   * cluster costs about one request per watch per wait; a change answers at once anyway.
   */
  RENDER_BLOCKING_WAIT_S: intFromEnv(1).max(600).default(300),
  /** `?stale`: any Consul server answers reads, not only the leader. */
  RENDER_CONSUL_STALE: boolFromEnv.default(false),
  /** With stale or cached reads: re-ask the leader when X-Consul-LastContact exceeds this (or no leader is known). 0: no bound. */
  RENDER_CONSUL_MAX_STALE_MS: intFromEnv(0).default(2000),
  /** `?cached`: the local agent's background-refresh cache for health service and catalog services queries. */
  RENDER_CONSUL_CACHED: boolFromEnv.default(false),
  /** Immediate Consul requests (first fetches, retries, leader re-queries) in flight at once; blocking queries are not bounded. */
  RENDER_CONSUL_CONCURRENCY: intFromEnv(1).max(1024).default(16),
  /** Ceiling of the retry backoff while Consul is unreachable. */
  RENDER_RETRY_MAX_MS: intFromEnv(100).default(30_000),
  /** Safety-net poll of templates/current (the directory is also watched). */
  RENDER_TEMPLATES_POLL_MS: intFromEnv(50).default(1000),
  /** Rendered versions kept besides current. */
  RENDER_KEEP_VERSIONS: intFromEnv(1).default(5),
  /**
   * Time budget of one template file, ms. Per file, so one runaway template cannot
   * use up the others' time; a few seconds is ~100x a 1,000-service render (~45 ms).
   */
  RENDER_TIMEOUT_MS: intFromEnv(100).max(600_000).default(DEFAULT_LIMITS.timeoutMs),
  /** Largest output of one file, bytes (default 32 MiB). */
  RENDER_MAX_FILE_BYTES: intFromEnv(1024).default(DEFAULT_LIMITS.maxFileBytes),
  /** Largest sum of freshly rendered files in one version, bytes (default 128 MiB). */
  RENDER_MAX_TOTAL_BYTES: intFromEnv(1024).default(DEFAULT_LIMITS.maxTotalBytes),
  /** V8 heap cap of the render worker thread, MB: a render that needs more fails alone (TEMPLATE_MEMORY_LIMIT). */
  RENDER_WORKER_MAX_HEAP_MB: intFromEnv(32).max(16_384).default(256),
  /** Comma-separated variable names `(env "NAME")` may read. */
  TEMPLATE_ENV_ALLOW: listFromEnv.default([]),
  /** This node's name and IP for `{{node.name}}`/`{{node.address}}` (the Downward API); else asked from the agent. */
  NODE_NAME: z.string().optional(),
  NODE_IP: z.string().optional(),
};

/** Unknown variables with these prefixes are reported at start (a typo must not fall back silently). */
export const RENDERER_ENV_PREFIXES = ['RENDER_', 'TEMPLATE_'];
