import { join } from 'node:path';
import {
  backoffDelay,
  describeError,
  isAbortError,
  TextfileWriter,
  type BackoffOptions,
  type Logger,
  type Source,
  type StateReporter,
} from '@api-server/core';
import type { Registry } from 'prom-client';
import { ChangeTimes } from './change-times.js';
import { HeldFiles } from './held-files.js';
import { applyTotalCap, withHeldOutputs } from './held.js';
import { ServiceCounts } from './service-instances.js';
import { TEXTFILE_FAMILIES, type RendererMetrics } from './metrics.js';
import type { Query } from './queries.js';
import { Quiescence } from './quiescence.js';
import type { RefusalLog } from './refusal-log.js';
import type { RenderLimits } from './render/limits.js';
import { buildRelease } from './render/manifest.js';
import type { RenderOptions } from './render/render-tree.js';
import { RenderWorker } from './render/render-worker.js';
import { TemplatesInput } from './sources/templates-input.js';
import { RenderedOutput } from './outputs/rendered.js';
import { DependencyWatches } from './watches.js';

export interface RendererOptions {
  sharedDir: string;
  keepVersions: number;
  render: Pick<RenderOptions, 'env' | 'envAllow' | 'node'>;
  limits: RenderLimits;
  /** The render worker's V8 heap cap, MB. */
  workerHeapMb: number;
  waitMinMs: number;
  waitMaxMs: number;
  /** Quiescence leading edge (RENDER_WAIT_LEADING). */
  waitLeading?: boolean;
  templatesPollMs: number;
  emptyGraceMs: number;
  /** RENDER_WATCH_MIN_GAP_MS: a watch's pace after its burst of quick re-arms. */
  watchMinGapMs?: number;
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
 * answers (in the render worker), starts watches for what the templates asked, and
 * publishes `rendered/current` once every query has answered. A template that fails
 * (error, time budget, size cap) holds its output at the last good bytes while the
 * other files are published. Changes (Consul answers, a new templates version) are
 * coalesced by the quiescence timer; passes never overlap.
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
  private readonly worker: RenderWorker;
  private readonly held: HeldFiles;
  private readonly changes: ChangeTimes;
  private readonly textfile: TextfileWriter;
  private readonly output: RenderedOutput;
  private readonly serviceCounts: ServiceCounts;
  /** The watched set and its sorted ids, for the manifest: recomputed only when `HeldFiles.settle` returns a new set. */
  private kept: { set: ReadonlySet<string>; ids: string[] } | undefined;
  private heldRetryTimer: NodeJS.Timeout | undefined;
  /** The agent's `limits.http_max_conns_per_client`, once known (from /v1/agent/self). */
  consulConnectionLimit: number | undefined;

  constructor(private readonly o: RendererOptions) {
    this.quiet = new Quiescence(() => this.request(), { minMs: o.waitMinMs, maxMs: o.waitMaxMs, leading: o.waitLeading ?? false });
    this.changes = new ChangeTimes(o.metrics);
    this.serviceCounts = new ServiceCounts(o.metrics.serviceInstances);
    this.output = new RenderedOutput(join(o.sharedDir, 'rendered'), o.keepVersions);
    this.textfile = new TextfileWriter({
      sharedDir: o.sharedDir,
      component: 'renderer',
      registry: o.registry,
      families: TEXTFILE_FAMILIES,
      onError: (err) => o.log.warn({ err }, 'could not write textfile metrics'),
    });
    this.held = new HeldFiles({ rendered: this.rendered, log: o.log, metrics: o.metrics });
    this.worker = new RenderWorker({
      render: { ...o.render, env: allowedEnv(o.render), maxFileBytes: o.limits.maxFileBytes },
      timeoutMs: o.limits.timeoutMs,
      heapMb: o.workerHeapMb,
      onRestart: (reason) => {
        o.metrics.workerRestarts.inc();
        o.state.count('renderWorkerRestarts');
        o.log.warn({ reason }, 'render worker stopped: a new one takes over');
      },
    });
    this.templates = new TemplatesInput(join(o.sharedDir, 'templates'), {
      pollMs: o.templatesPollMs,
      onChange: () => {
        this.changes.seen('templates', undefined);
        this.quiet.trigger();
      },
      onTick: o.beat,
    });
    this.watches = new DependencyWatches({
      sourceFor: o.sourceFor,
      signal: o.signal,
      emptyGraceMs: o.emptyGraceMs,
      ...(o.watchMinGapMs === undefined ? {} : { minGapMs: o.watchMinGapMs }),
      ...(o.backoff ? { backoff: o.backoff } : {}),
      events: {
        onChange: (query, index) => {
          this.changes.seen(query.id, index);
          this.quiet.trigger();
        },
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

  private get rendered(): string {
    return join(this.o.sharedDir, 'rendered');
  }

  /** `/readyz`: a good version was published, or was on disk at start. */
  ready(): string | null {
    return this.o.state.state.current ? null : 'no rendered version yet';
  }

  async start(): Promise<void> {
    const existing = await this.output.current();
    if (existing) await this.o.state.update({ current: existing.id, status: 'ok' });
    this.templates.start(this.o.signal);
    this.request();
  }

  async stop(): Promise<void> {
    this.quiet.cancel();
    clearTimeout(this.retryTimer);
    clearTimeout(this.heldRetryTimer);
    this.templates.stop();
    this.watches.stop();
    // Terminating the worker ends a render in progress at once, whatever the template does.
    await this.worker.close();
    await this.running;
    await this.textfile.flush();
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
    const passAt = Date.now();
    const changes = this.changes.take();
    let carried = false;
    try {
      const templates = await this.templates.load();
      if (!templates) {
        await state.update({ waitingFor: ['templates/current'] });
        log.info({ dir: this.templates.root }, 'waiting for templates/current');
        return;
      }
      const stopTimer = metrics.duration.startTimer();
      const skip = this.held.skip(templates.id, this.watches.answers);
      const result = await this.worker.render({ templates, data: { cache: this.watches.answers }, skip });
      const renderedAt = Date.now();
      this.watches.ensure(result.dependencies);
      if (this.o.refusals) Object.assign(state.state, this.o.refusals.report(result.dependencies, metrics.refused));
      this.serviceCounts.report(result.dependencies, this.watches.answers);
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
        metrics.templateErrors.inc(result.errors.length);
        state.count('templateErrors', result.errors.length);
      }
      const capped = applyTotalCap(result.files, this.o.limits.maxTotalBytes);
      const keep = this.held.settle(result, [...result.failed, ...capped.failed], skip, templates.id, this.watches.answers);
      this.watches.retain(keep);
      metrics.watches.set(this.watches.size);
      this.scheduleHeldRetry();
      if (this.kept?.set !== keep) this.kept = { set: keep, ids: [...keep].sort() };
      const ids = this.kept.ids;
      const out = withHeldOutputs(capped.files, this.held.list, await this.held.lastGood());
      const release = buildRelease(out.files, ids, templates.id, out.held);
      // The sidecar goes first, so a reader that sees the new `current` finds its times.
      const record = { version: release.id, changes, passAt, renderedAt, writtenAt: Date.now() };
      const published = await this.output.publish(release.files, release.id, changes.length > 0 ? () => this.changes.write(this.rendered, record, log) : undefined);
      carried = true;
      stopTimer();
      metrics.renders.inc({ result: published.changed ? 'published' : 'unchanged' });
      if (published.changed) {
        metrics.lastPublish.set(Date.now() / 1000);
        state.count('published');
        const lastChange = this.changes.published(record, Date.now());
        if (lastChange) state.state['lastChange'] = lastChange;
        log.info({ version: published.id, templates: templates.id, files: release.manifest.files.length, held: out.held.length, dependencies: ids.length }, 'published rendered version');
      } else {
        log.debug({ version: published.id }, 'rendered output unchanged');
      }
      this.failures = 0;
      const report = this.held.report();
      await this.succeeded(published.id, { waitingFor: [], templates: templates.id, errors: result.errors.map((e) => describeError(e)), held: report.held }, report.error);
    } catch (err) {
      if (this.o.signal.aborted && isAbortError(err)) return;
      // Not a template problem (a read or write failed): keep the last good version, retry.
      metrics.renders.inc({ result: 'error' });
      const delay = backoffDelay(++this.failures, this.o.backoff);
      log.error({ err, retryInMs: delay }, 'render pass failed');
      await state.failure(err).catch(() => undefined);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.request(), delay);
    } finally {
      // Not published (waiting, failed): the changes count from when they were seen, in the next pass.
      if (!carried) this.changes.giveBack(changes);
      this.textfile.request();
    }
  }

  /** A published pass; the state stays degraded while some Consul query fails or some file is held. */
  private async succeeded(current: string, extra: Record<string, unknown>, heldError: unknown): Promise<void> {
    const failing = [...this.consulFailing.values()][0] ?? heldError;
    if (failing === undefined) await this.o.state.success(current, extra);
    else await this.o.state.update({ ...extra, current }).then(() => this.o.state.failure(failing));
  }

  /** A template held for a costly failure is tried again at its retry time even if nothing else changes. */
  private scheduleHeldRetry(): void {
    clearTimeout(this.heldRetryTimer);
    const at = this.held.nextRetry();
    if (at === undefined || this.o.signal.aborted) return;
    this.heldRetryTimer = setTimeout(() => this.request(), Math.max(0, at - Date.now()) + 10);
    this.heldRetryTimer.unref();
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
      this.textfile.request();
    }
  }
}

/** Only the variables templates may read go to the worker (the rest of the environment stays here). */
function allowedEnv(render: Pick<RenderOptions, 'env' | 'envAllow'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of render.envAllow ?? []) {
    const value = render.env?.[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
