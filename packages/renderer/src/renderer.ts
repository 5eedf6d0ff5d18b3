import { join } from 'node:path';
import {
  backoffDelay,
  describeError,
  publishVersion,
  readCurrent,
  writeTextfile,
  type BackoffOptions,
  type Logger,
  type Source,
  type StateReporter,
} from '@api-server/core';
import type { Registry } from 'prom-client';
import { TEXTFILE_FAMILIES, type RendererMetrics } from './metrics.js';
import type { Query } from './queries.js';
import { Quiescence } from './quiescence.js';
import type { RefusalLog } from './refusal-log.js';
import { buildRelease } from './render/manifest.js';
import { renderTree, type RenderOptions } from './render/render-tree.js';
import { TemplatesInput } from './templates-input.js';
import { DependencyWatches } from './watches.js';

export interface RendererOptions {
  sharedDir: string;
  keepVersions: number;
  render: RenderOptions;
  waitMinMs: number;
  waitMaxMs: number;
  templatesPollMs: number;
  emptyGraceMs: number;
  sourceFor: (query: Query) => Source<unknown>;
  /** What the sources refused (main wires the Consul client's observer to it). */
  refusals?: RefusalLog;
  backoff?: BackoffOptions;
  log: Logger;
  state: StateReporter;
  metrics: RendererMetrics;
  registry: Registry;
  signal: AbortSignal;
  beat: () => void;
}

/**
 * The renderer's loop: a pass renders `templates/current` against the cache of Consul
 * answers, starts watches for what the templates asked, and publishes
 * `rendered/current` only when every query has answered and every template rendered.
 * Changes (Consul answers, a new templates version) are coalesced by the quiescence
 * timer; passes never overlap.
 */
export class Renderer {
  private readonly watches: DependencyWatches;
  private readonly templates: TemplatesInput;
  private readonly quiet: Quiescence;
  private readonly consulFailing = new Map<string, unknown>();
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private overBudget = false;
  /** The agent's `limits.http_max_conns_per_client`, once known (from /v1/agent/self). */
  consulConnectionLimit: number | undefined;

  constructor(private readonly o: RendererOptions) {
    this.quiet = new Quiescence(() => this.request(), { minMs: o.waitMinMs, maxMs: o.waitMaxMs });
    this.templates = new TemplatesInput(join(o.sharedDir, 'templates'), {
      pollMs: o.templatesPollMs,
      onChange: () => this.quiet.trigger(),
      onTick: o.beat,
    });
    this.watches = new DependencyWatches({
      sourceFor: o.sourceFor,
      signal: o.signal,
      emptyGraceMs: o.emptyGraceMs,
      ...(o.backoff ? { backoff: o.backoff } : {}),
      events: {
        onChange: () => this.quiet.trigger(),
        onFetch: (query) => this.consulAnswered(query),
        onError: (query, err, attempt, delayMs) => this.consulFailed(query, err, attempt, delayMs),
        onHold: (query, held, graceMs) => {
          o.metrics.emptyHeld.inc();
          o.state.count('emptyResultsHeld');
          o.log.warn({ query: query.id, held, graceMs }, 'health query answered empty: keeping the previous instances for the grace period');
        },
      },
    });
  }

  get rendered(): string {
    return join(this.o.sharedDir, 'rendered');
  }

  /** `/readyz`: a good version was published, or was on disk at start. */
  ready(): string | null {
    return this.o.state.state.current ? null : 'no rendered version yet';
  }

  async start(): Promise<void> {
    const existing = await readCurrent(this.rendered);
    if (existing) await this.o.state.update({ current: existing.id, status: 'ok' });
    this.templates.start(this.o.signal);
    this.request();
  }

  async stop(): Promise<void> {
    this.quiet.cancel();
    clearTimeout(this.retryTimer);
    this.templates.stop();
    this.watches.stop();
    await this.running;
  }

  /** Something the state file shows changed without a data change (what the sources refused): a pass soon, coalesced with data changes. */
  nudge(): void {
    this.quiet.trigger();
  }

  /** Runs a pass now, or right after the one in progress. */
  request(): void {
    if (this.o.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
  }

  private async pass(): Promise<void> {
    const { log, state, metrics } = this.o;
    this.o.beat();
    state.attempt();
    try {
      const templates = await this.templates.load();
      if (!templates) {
        await state.update({ waitingFor: ['templates/current'] });
        log.info({ dir: this.templates.root }, 'waiting for templates/current');
        return;
      }
      const stopTimer = metrics.duration.startTimer();
      const result = renderTree(templates.files, this.watches.view, this.o.render);
      this.watches.ensure(result.dependencies);
      if (this.o.refusals) Object.assign(state.state, this.o.refusals.report(result.dependencies, metrics.refused));
      metrics.watches.set(this.watches.size);
      this.checkConnectionBudget();
      metrics.waiting.set(result.missing.length);
      if (result.missing.length > 0) {
        // consul-template's rule: a pass that met a query with no data is not published.
        await state.update({ waitingFor: result.missing.map((q) => q.id) });
        log.debug({ missing: result.missing.map((q) => q.id), templates: templates.id }, 'waiting for the first answer of some queries');
        return;
      }
      if (result.errors.length > 0) {
        metrics.renders.inc({ result: 'error' });
        metrics.templateErrors.inc(result.errors.length);
        state.count('templateErrors', result.errors.length);
        for (const err of result.errors) log.error({ err, templates: templates.id }, 'template failed: keeping the last good rendered version');
        await state.failure(result.errors[0], { waitingFor: [], templates: templates.id, errors: result.errors.map((e) => describeError(e)) });
        return;
      }
      this.watches.retain(result.dependencies);
      metrics.watches.set(this.watches.size);
      const ids = result.dependencies.map((q) => q.id);
      const release = buildRelease(result.files, ids, templates.id);
      const published = await publishVersion({ root: this.rendered, keep: this.o.keepVersions }, release.files, release.id);
      stopTimer();
      metrics.renders.inc({ result: published.changed ? 'published' : 'unchanged' });
      if (published.changed) {
        metrics.lastPublish.set(Date.now() / 1000);
        state.count('published');
        log.info({ version: published.id, templates: templates.id, files: release.manifest.files.length, dependencies: ids.length }, 'published rendered version');
      } else {
        log.debug({ version: published.id }, 'rendered output unchanged');
      }
      this.failures = 0;
      await this.succeeded(published.id, { waitingFor: [], templates: templates.id, errors: [] });
    } catch (err) {
      // Not a template problem (a read or write failed): keep the last good version, retry.
      metrics.renders.inc({ result: 'error' });
      const delay = backoffDelay(++this.failures, this.o.backoff);
      log.error({ err, retryInMs: delay }, 'render pass failed');
      await state.failure(err).catch(() => undefined);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.request(), delay);
    } finally {
      await writeTextfile(this.o.sharedDir, 'renderer', this.o.registry, TEXTFILE_FAMILIES).catch((err: unknown) =>
        log.warn({ err }, 'could not write textfile metrics'),
      );
    }
  }

  /** A good pass; the state stays degraded while some Consul query is failing. */
  private async succeeded(current: string, extra: Record<string, unknown>): Promise<void> {
    const failing = [...this.consulFailing.values()][0];
    if (failing === undefined) await this.o.state.success(current, extra);
    else await this.o.state.update({ ...extra, current }).then(() => this.o.state.failure(failing));
  }

  /**
   * Every watch holds one blocking query open, and a Consul agent closes connections
   * from one client beyond `http_max_conns_per_client` (200 by default): said once,
   * loudly, with the fix, instead of as a stream of connection resets.
   */
  private checkConnectionBudget(): void {
    const limit = this.consulConnectionLimit;
    // Headroom for the immediate requests (first fetches, retries) beside the long-polls.
    const over = limit !== undefined && limit > 0 && this.watches.size + 8 > limit;
    if (over && !this.overBudget) {
      this.o.log.warn(
        { watches: this.watches.size, httpMaxConnsPerClient: limit },
        'more watches than the Consul agent allows connections per client: raise limits.http_max_conns_per_client on the agent above the number of watches',
      );
      this.o.state.count('consulConnectionLimitWarnings');
    }
    this.overBudget = over;
  }

  private consulAnswered(query: Query): void {
    if (this.consulFailing.delete(query.id) && this.consulFailing.size === 0) {
      this.o.log.info({ query: query.id }, 'consul answers again');
      // Refresh the state (and re-render in case the data is unchanged).
      this.quiet.trigger();
    }
  }

  private consulFailed(query: Query, err: unknown, attempt: number, delayMs: number): void {
    const first = this.consulFailing.size === 0;
    this.consulFailing.set(query.id, err);
    // Log the first failures and then sparsely: an outage must not flood the log.
    if (attempt <= 2 || Number.isInteger(Math.log2(attempt))) {
      this.o.log.warn({ err, query: query.id, attempt, retryInMs: delayMs }, 'consul query failed: retrying');
    }
    if (first) {
      this.o.state.count('consulErrors');
      void this.o.state.failure(err).catch(() => undefined);
      void writeTextfile(this.o.sharedDir, 'renderer', this.o.registry, TEXTFILE_FAMILIES).catch(() => undefined);
    }
  }
}
