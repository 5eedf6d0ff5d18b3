import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, createRegistry, PipelineError, StateReporter, versionId, type Source } from '@api-server/core';
import { createSyncMetrics } from './metrics.js';
import { TemplatesOutput } from './outputs/templates.js';
import { runSync } from './sync.js';
import type { SyncedTree } from './tree.js';

const tree = (content: string): SyncedTree => {
  const files = [{ path: 'a.cfg', data: Buffer.from(content) }];
  return { id: versionId(files), files, mode: 'tree', location: 'memory' };
};

/** A source that plays a script: a tree, or an error, per fetch; then repeats the last step. */
function scripted(steps: Array<SyncedTree | Error>): Source<SyncedTree> & { fetches: number } {
  const source = {
    id: 'memory://test',
    fetches: 0,
    async fetch() {
      const step = steps[Math.min(source.fetches++, steps.length - 1)]!;
      if (step instanceof Error) throw step;
      return { value: step };
    },
  };
  return source;
}

describe('runSync', () => {
  let sharedDir: string;
  beforeEach(async () => {
    sharedDir = await mkdtemp(join(tmpdir(), 's3-sync-loop-'));
  });
  afterEach(() => rm(sharedDir, { recursive: true, force: true }));

  async function run(source: Source<SyncedTree>, output: Pick<TemplatesOutput, 'publish'>, until: (state: StateReporter) => boolean) {
    const registry = createRegistry();
    const metrics = createSyncMetrics(registry);
    const state = new StateReporter({ sharedDir, component: 's3-sync', version: 'test' });
    const controller = new AbortController();
    const done = runSync({ source, output, metrics, registry, state, log: createLogger('s3-sync', 'silent'), sharedDir, intervalMs: 5, signal: controller.signal, beat: () => undefined });
    const deadline = Date.now() + 5000;
    while (!until(state) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await done;
    await state.flush();
    return { metrics: await registry.metrics(), state: state.state };
  }

  it('publishes each new tree once, counts unchanged polls, and keeps the last good version through errors', async () => {
    const a = tree('A');
    const b = tree('B');
    const source = scripted([a, a, a, new PipelineError('S3_UNREACHABLE', 'down', { context: { key: 'p/' } }), b]);
    const output = new TemplatesOutput(sharedDir);
    const { metrics, state } = await run(source, output, (s) => s.state.current === b.id && (s.state.counters.unchanged ?? 0) >= 3);
    expect(state).toMatchObject({ status: 'ok', current: b.id, lastError: null, counters: { publishes: 2, errors: 1, changed: 2 } });
    expect(metrics).toContain('s3_sync_publishes_total 2');
    expect(metrics).toContain('s3_sync_errors_total{code="S3_UNREACHABLE"} 1');
    expect(await readFile(join(sharedDir, 'templates/current/a.cfg'), 'utf8')).toBe('B');
    expect(await readFile(join(sharedDir, 'textfile/s3-sync.prom'), 'utf8')).toContain('s3_sync_publishes_total 2');
  });

  it('records a refusal as degraded with the code and key while a version is current', async () => {
    const a = tree('A');
    const refusal = new PipelineError('UNSAFE_KEY', 'refusing S3 key "../x": dot segment', { context: { key: '../x' } });
    const { state } = await run(scripted([a, refusal]), new TemplatesOutput(sharedDir), (s) => s.state.status === 'degraded');
    expect(state).toMatchObject({ status: 'degraded', current: a.id, lastError: { code: 'UNSAFE_KEY', context: { key: '../x' } } });
    const onDisk = JSON.parse(await readFile(join(sharedDir, 'state/s3-sync.json'), 'utf8'));
    expect(onDisk.lastError.message).toContain('"../x"');
  });

  it('retries a publish that failed even though the source no longer changes', async () => {
    const a = tree('A');
    const real = new TemplatesOutput(sharedDir);
    let calls = 0;
    const flaky = {
      publish: async (t: SyncedTree) => {
        if (++calls === 1) throw new PipelineError('PUBLISH_FAILED', 'disk full');
        return real.publish(t);
      },
    };
    const { state } = await run(scripted([a]), flaky, (s) => s.state.current === a.id);
    expect(calls).toBe(2);
    expect(state).toMatchObject({ status: 'ok', current: a.id, counters: { errors: 1, publishes: 1 } });
  });
});
