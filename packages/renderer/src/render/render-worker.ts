import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PipelineError, type VersionFile } from '@api-server/core';
import type { CatalogFixture } from '../data-view.js';
import { renderMemoryLimit, renderTimeout } from './limits.js';
import type { FileFailure, RenderOptions, RenderResult } from './render-tree.js';
import { fromWire, type DependencyLists, type RenderRequest, type WorkerInit, type WorkerMessage } from './wire.js';
import { rendererError } from '../error-codes.js';

/** The render worker's young generation, MB (V8 splits it into semi-spaces). */
const WORKER_YOUNG_MB = 6;

export interface RenderWorkerOptions {
  render: Pick<RenderOptions, 'env' | 'envAllow' | 'node' | 'maxFileBytes'>;
  /** Wall-clock budget of one template. */
  timeoutMs: number;
  /** The worker's V8 old-generation cap: a runaway render dies alone, not the process. */
  heapMb: number;
  /** A worker was stopped or died (and will be replaced on the next render). */
  onRestart?: (reason: string) => void;
}

/** The data a render reads: the live cache (sent as deltas) or a catalog fixture (`apictl validate`). */
export type RenderData = { cache: ReadonlyMap<string, unknown> } | { fixture: CatalogFixture };

export interface RenderJob {
  templates: { id: string; files: readonly VersionFile[] };
  data: RenderData;
  skip?: ReadonlySet<string>;
}

/** Bound on a worker's start and on taking a request before its first template. */
const STARTUP_MS = 30_000;

type Attempt = { kind: 'done'; result: RenderResult } | { kind: 'killed'; template: string; error: PipelineError };

/**
 * Renders in one persistent worker thread, so the main thread's event loop stays free
 * whatever a template does. The worker keeps the templates and a copy of the cache;
 * each render sends only the answers that changed. A template over the time budget,
 * or one that exhausts the worker's heap, fails alone: the worker is terminated, a new
 * one started, and the pass goes on without that template.
 */
export class RenderWorker {
  private worker: Worker | undefined;
  /** What the worker holds: answers by identity, the templates version, the fixture. */
  private sent = new Map<string, unknown>();
  private templatesId: string | undefined;
  private fixture: CatalogFixture | undefined;
  /** The dependency lists of the worker's last result: it leaves them out while they stay the same. */
  private lastLists: DependencyLists | undefined;
  private seq = 0;
  private abort: ((err: Error) => void) | undefined;
  private closed = false;

  constructor(private readonly o: RenderWorkerOptions) {}

  /** Renders `job`; templates that were stopped are in `failed` (TEMPLATE_TIMEOUT, TEMPLATE_MEMORY_LIMIT). */
  async render(job: RenderJob): Promise<RenderResult> {
    const skip = new Set(job.skip);
    const killed: FileFailure[] = [];
    for (;;) {
      const attempt = await this.attempt(job, skip);
      if (attempt.kind === 'done') {
        const { result } = attempt;
        for (const k of killed) result.errors.push(k.error);
        result.failed.push(...killed);
        result.failed.sort((a, b) => (a.template < b.template ? -1 : a.template > b.template ? 1 : 0));
        return result;
      }
      killed.push({ template: attempt.template, output: attempt.template.replace(/\.hbs$/, ''), error: attempt.error });
      skip.add(attempt.template);
    }
  }

  /** Stops the worker; a render in progress rejects with an AbortError. */
  async close(): Promise<void> {
    this.closed = true;
    const abort = new Error('render worker closed');
    abort.name = 'AbortError';
    this.abort?.(abort);
    await this.stopWorker();
  }

  private spawn(): Worker {
    const init: WorkerInit = { render: this.o.render };
    const worker = new Worker(workerEntry(), {
      eval: import.meta.url.endsWith('.ts'),
      workerData: init,
      // A small young generation: the worker's garbage is short-lived render output, and
      // V8's default semi-spaces (16 MB each) count fully in RSS once touched (footprint, README).
      resourceLimits: { maxOldGenerationSizeMb: this.o.heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
      // Templates see only the variables passed in `render.env` (TEMPLATE_ENV_ALLOW).
      env: {},
    });
    // A worker that dies between renders (no attempt listening) must not take the
    // process down with an unhandled 'error' event: it is simply replaced next time.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.sent = new Map();
    this.templatesId = undefined;
    this.fixture = undefined;
    this.lastLists = undefined;
    return worker;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate().catch(() => undefined);
  }

  private request(job: RenderJob, skip: ReadonlySet<string>): RenderRequest {
    const req: RenderRequest = { type: 'render', seq: ++this.seq, set: [], del: [], skip: [...skip] };
    if (job.templates.id !== this.templatesId) req.templates = { id: job.templates.id, files: [...job.templates.files] };
    if ('fixture' in job.data) {
      if (job.data.fixture !== this.fixture) req.fixture = job.data.fixture;
    } else {
      if (this.fixture !== undefined) req.fixture = null;
      const cache = job.data.cache;
      // Answers are replaced, never mutated, when they change: identity is the delta.
      // forEach, not for-of: no entry array and iterator result per answer on every pass
      // (V8 without TurboFan, as deployed, does not optimize those away; 1,000 answers).
      const sent = this.sent;
      cache.forEach((value, id) => {
        if (sent.get(id) !== value || !sent.has(id)) req.set.push([id, value]);
      });
      sent.forEach((_value, id) => {
        if (!cache.has(id)) req.del.push(id);
      });
    }
    return req;
  }

  /** Marks what the worker now holds, once it has taken the request. */
  private commit(job: RenderJob, req: RenderRequest): void {
    this.templatesId = job.templates.id;
    if (req.fixture !== undefined) this.fixture = req.fixture ?? undefined;
    for (const id of req.del) this.sent.delete(id);
    for (const [id, value] of req.set) this.sent.set(id, value);
  }

  private attempt(job: RenderJob, skip: ReadonlySet<string>): Promise<Attempt> {
    if (this.closed) return Promise.reject(Object.assign(new Error('render worker closed'), { name: 'AbortError' }));
    const worker = (this.worker ??= this.spawn());
    const req = this.request(job, skip);
    return new Promise<Attempt>((resolve, reject) => {
      let current: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      // Before the first template starts, the worker may still be loading (or taking a
      // large first cache): a generous bound there, the per-file budget after.
      const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.lost(worker, `timeout${current ? ` in ${current}` : ''}`);
          if (current) resolve({ kind: 'killed', template: current, error: renderTimeout(current, this.o.timeoutMs) });
          else reject(rendererError('RENDER_WORKER', `the render worker did not start rendering within ${ms} ms`));
          done();
        }, ms);
      };
      const onMessage = (msg: WorkerMessage) => {
        if (msg.seq !== req.seq) return;
        if (msg.type === 'start') {
          current = msg.template;
          arm(this.o.timeoutMs);
          return;
        }
        done();
        try {
          const result = fromWire(msg.result, this.lastLists);
          this.lastLists = { dependencies: result.dependencies, usedBy: result.usedBy };
          resolve({ kind: 'done', result });
        } catch (err) {
          // Out of step with the worker (cannot happen while each attempt ends with a result or a new worker): start afresh.
          this.lost(worker, (err as Error).message);
          reject(err);
        }
      };
      const onError = (err: Error) => {
        const oom = (err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        this.lost(worker, oom ? `out of memory${current ? ` in ${current}` : ''}` : `crashed: ${err.message}`);
        if (current) {
          resolve({ kind: 'killed', template: current, error: oom ? renderMemoryLimit(current, this.o.heapMb) : rendererError('TEMPLATE_RENDER', `${current}: the render worker crashed: ${err.message}`, { cause: err, context: { template: current } }) });
        } else reject(rendererError('RENDER_WORKER', `the render worker failed: ${err.message}`, { cause: err }));
        done();
      };
      const onExit = () => onError(new Error('the render worker exited'));
      const done = () => {
        clearTimeout(timer);
        this.abort = undefined;
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      this.abort = (err) => {
        done();
        reject(err);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      arm(Math.max(this.o.timeoutMs, STARTUP_MS));
      worker.postMessage(req);
      this.commit(job, req);
    });
  }

  /** `worker` is stopped (or already dead): it is replaced on the next attempt. */
  private lost(worker: Worker, reason: string): void {
    this.o.onRestart?.(reason);
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate().catch(() => undefined);
  }
}

/**
 * The worker's entry: `worker.js` next to this file once built. Run from TypeScript
 * sources (unit tests under vitest), a small bootstrap registers tsx in the worker first
 * (Node 20 applies `--import` loaders in a worker's execArgv too late for its entry).
 */
function workerEntry(): URL | string {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
}
