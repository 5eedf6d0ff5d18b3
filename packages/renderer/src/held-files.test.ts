import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, PipelineError, publishVersion } from '@api-server/core';
import { HeldFiles } from './held-files.js';
import { rendererMetrics } from './metrics.js';
import type { FileFailure, RenderResult } from './render/render-tree.js';

const result = (usedBy: Record<string, string[]>): RenderResult => ({ files: [], dependencies: [], missing: [], errors: [], failed: [], usedBy });
const failure = (template: string, code: string): FileFailure => ({
  template,
  output: template.replace(/\.hbs$/, ''),
  error: new PipelineError(code, `${template}: ${code}`, { context: { template } }),
});

describe('HeldFiles', () => {
  let dir: string;
  let held: HeldFiles;
  let registry: Registry;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'held-files-'));
    registry = new Registry();
    held = new HeldFiles({ rendered: join(dir, 'rendered'), log: createLogger('renderer', 'silent'), metrics: rendererMetrics(registry) });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads held outputs from rendered/current; one that never rendered is absent', async () => {
    await publishVersion({ root: join(dir, 'rendered') }, [{ path: 'a.cfg', data: Buffer.from('good a') }]);
    held.settle(result({}), [failure('a.cfg.hbs', 'TEMPLATE_RENDER'), failure('b.cfg.hbs', 'TEMPLATE_RENDER')], new Set(), 't1', new Map());
    expect(await held.lastGood()).toEqual(new Map([['a.cfg', Buffer.from('good a')]]));
    const report = held.report();
    expect(report.held.map((h) => h.file)).toEqual(['a.cfg', 'b.cfg']);
    expect(report.error).toMatchObject({ code: 'TEMPLATE_RENDER', context: { template: 'a.cfg.hbs' } });
    expect((await registry.getSingleMetric('renderer_held_files')?.get())?.values[0]?.value).toBe(2);
  });

  it('the same lists with nothing held keep the same set (the same object); a hold makes a new one', () => {
    const q = (id: string) => ({ id, kind: 'kv.get', key: id }) as unknown as RenderResult['dependencies'][number];
    const pass: RenderResult = { ...result({ 'a.cfg.hbs': ['x'], 'b.cfg.hbs': ['y'] }), dependencies: [q('x'), q('y')] };
    const first = held.settle(pass, [], new Set(), 't1', new Map());
    expect([...first].sort()).toEqual(['x', 'y']);
    expect(held.settle(pass, [], new Set(), 't1', new Map())).toBe(first);
    // b fails: it stays watched (what it read last), in a new set.
    const failing: RenderResult = { ...result({ 'a.cfg.hbs': ['x'] }), dependencies: [q('x')] };
    const withHold = held.settle(failing, [failure('b.cfg.hbs', 'TEMPLATE_RENDER')], new Set(), 't1', new Map());
    expect(withHold).not.toBe(first);
    expect([...withHold].sort()).toEqual(['x', 'y']);
    // Cleared: the lists of the last pass again, but the set is rebuilt after a pass that held something.
    const cleared = held.settle(pass, [], new Set(), 't1', new Map());
    expect(cleared).not.toBe(withHold);
    expect([...cleared].sort()).toEqual(['x', 'y']);
  });

  it('a held template keeps the watches it used; a costly one is skipped until an answer it read changes', () => {
    const tree = [{ key: 'k', path: 'big/k', value: 'v' }];
    const answers = new Map<string, unknown>([['kv.tree(big)', tree], ['health.service(web)', []]]);
    // It rendered once, reading the tree; then it times out (the killed worker reports nothing).
    held.settle(result({ 'loop.hbs': ['kv.tree(big)'], 'web.hbs': ['health.service(web)'] }), [], new Set(), 't1', answers);
    const keep = held.settle(result({ 'web.hbs': ['health.service(web)'] }), [failure('loop.hbs', 'TEMPLATE_TIMEOUT')], new Set(), 't1', answers);
    expect([...keep].sort()).toEqual(['kv.tree(big)']); // dependencies of this pass are empty in this fake result
    expect(held.skip('t1', answers)).toEqual(new Set(['loop.hbs']));
    expect(held.skip('t2', answers)).toEqual(new Set()); // a new templates version
    answers.set('health.service(web)', [{ id: 'x' }]);
    expect(held.skip('t1', answers)).toEqual(new Set(['loop.hbs'])); // not its input
    answers.set('kv.tree(big)', []);
    expect(held.skip('t1', answers)).toEqual(new Set()); // its input changed: try again now
    expect(held.nextRetry()).toBeGreaterThan(Date.now() + 10_000);
  });
});
