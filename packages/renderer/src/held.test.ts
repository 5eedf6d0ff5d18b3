import { describe, expect, it } from 'vitest';
import { PipelineError } from '@api-server/core';
import { applyTotalCap, inputsChanged, nextRetry, planHolds, templatesToSkip, withHeldOutputs, type Hold } from './held.js';
import type { FileFailure, RenderedFile } from './render/render-tree.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const fail = (template: string, code = 'TEMPLATE_RENDER', line?: number): FileFailure => ({
  template,
  output: template.replace(/\.hbs$/, ''),
  error: new PipelineError(code, `${template}: broke`, { context: { template, ...(line === undefined ? {} : { line }) } }),
});
const file = (path: string, bytes: number, template: string | null = `${path}.hbs`): RenderedFile => ({ path, data: Buffer.alloc(bytes, 120), template });
const half = () => 0.5;

describe('planHolds', () => {
  it('a failure holds its output, names template, code, reason and line', () => {
    const plan = planHolds([], { failed: [fail('a.cfg.hbs', 'TEMPLATE_RENDER', 3)], skipped: new Set(), templatesId: 't1', now: T0 });
    expect(plan.holds).toEqual([
      { file: 'a.cfg', template: 'a.cfg.hbs', since: '2026-12-01T10:00:00.000Z', code: 'TEMPLATE_RENDER', reason: 'a.cfg.hbs: broke', line: 3, templates: 't1', attempts: 0 },
    ]);
    expect(plan.started).toEqual(plan.holds);
    expect(plan.cleared).toEqual([]);
  });

  it.each<[string, FileFailure[], Set<string>, { files: string[]; started: number; cleared: string[]; since?: number }]>([
    ['the same failure again: one hold, no new event, since kept', [fail('a.cfg.hbs')], new Set(), { files: ['a.cfg'], started: 0, cleared: [] }],
    ['a different reason: a new event, since kept', [fail('a.cfg.hbs', 'TEMPLATE_PARSE')], new Set(), { files: ['a.cfg'], started: 1, cleared: [] }],
    ['renders again: cleared', [], new Set(), { files: [], started: 0, cleared: ['a.cfg'] }],
    ['skipped this pass: stays held', [], new Set(['a.cfg.hbs']), { files: ['a.cfg'], started: 0, cleared: [] }],
    ['another file fails: both held, sorted', [fail('0.cfg.hbs')], new Set(['a.cfg.hbs']), { files: ['0.cfg', 'a.cfg'], started: 1, cleared: [] }],
  ])('%s', (_name, failed, skipped, want) => {
    const first = planHolds([], { failed: [fail('a.cfg.hbs')], skipped: new Set(), templatesId: 't1', now: T0 }).holds;
    const plan = planHolds(first, { failed, skipped, templatesId: 't1', now: T0 + 60_000 });
    expect(plan.holds.map((h) => h.file)).toEqual(want.files);
    expect(plan.started).toHaveLength(want.started);
    expect(plan.cleared.map((h) => h.file)).toEqual(want.cleared);
    expect(plan.holds.find((h) => h.file === 'a.cfg')?.since ?? first[0]?.since).toBe('2026-12-01T10:00:00.000Z');
  });

  it('costly failures back off (30 s, 60 s, ... 5 min) and are skipped until then under the same templates', () => {
    let holds: Hold[] = [];
    const retries: number[] = [];
    for (let i = 0; i < 6; i++) {
      holds = planHolds(holds, { failed: [fail('slow.cfg.hbs', 'TEMPLATE_TIMEOUT')], skipped: new Set(), templatesId: 't1', now: T0 }, () => 1).holds;
      retries.push((holds[0]?.retryAt ?? 0) - T0);
    }
    expect(retries).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    expect(nextRetry(holds)).toBe(T0 + 300_000);
    expect(templatesToSkip(holds, 't1', T0 + 1000)).toEqual(new Set(['slow.cfg.hbs']));
    expect(templatesToSkip(holds, 't2', T0 + 1000)).toEqual(new Set()); // a new templates version: try again now
    expect(templatesToSkip(holds, 't1', T0 + 300_001)).toEqual(new Set());
    const plain = planHolds([], { failed: [fail('a.cfg.hbs')], skipped: new Set(), templatesId: 't1', now: T0 }, half).holds;
    expect(plain[0]?.retryAt).toBeUndefined();
    expect(templatesToSkip(plain, 't1', T0)).toEqual(new Set());
  });
});

describe('applyTotalCap', () => {
  it.each<[string, RenderedFile[], number, string[], string[]]>([
    ['all fit', [file('a', 10), file('b', 10)], 20, ['a', 'b'], []],
    ['the file that crosses the cap fails; a later small one fits', [file('a', 10), file('b', 15), file('c', 5)], 20, ['a', 'c'], ['b']],
    ['a copied file counts and is named by its path', [file('a', 30, null)], 20, [], ['a']],
  ])('%s', (_name, files, cap, kept, failed) => {
    const out = applyTotalCap(files, cap);
    expect(out.files.map((f) => f.path)).toEqual(kept);
    expect(out.failed.map((f) => f.output)).toEqual(failed);
    for (const f of out.failed) {
      expect(f.error.code).toBe('TEMPLATE_OUTPUT_TOO_LARGE');
      expect(f.error.message).toMatch(/over RENDER_MAX_TOTAL_BYTES \(20\)/);
    }
  });
});

describe('withHeldOutputs', () => {
  it('replaces held outputs by their last good bytes, leaves out those without, never keeps manifest.json', () => {
    const holds = planHolds([], { failed: [fail('a.cfg.hbs'), fail('b.cfg.hbs'), fail('manifest.json.hbs')], skipped: new Set(), templatesId: 't', now: T0 }).holds;
    const lastGood = new Map([['a.cfg', Buffer.from('old a')], ['manifest.json', Buffer.from('{}')]]);
    const out = withHeldOutputs([file('a.cfg', 3), file('c.cfg', 3)], holds, lastGood);
    expect(out.files.map((f) => [f.path, f.data.toString()])).toEqual([['a.cfg', 'old a'], ['c.cfg', 'xxx']]);
    expect(out.held).toEqual([
      { path: 'a.cfg', template: 'a.cfg.hbs', code: 'TEMPLATE_RENDER', kept: true },
      { path: 'b.cfg', template: 'b.cfg.hbs', code: 'TEMPLATE_RENDER', kept: false },
      { path: 'manifest.json', template: 'manifest.json.hbs', code: 'TEMPLATE_RENDER', kept: false },
    ]);
  });
});

describe('inputsChanged', () => {
  const a = [{ id: 'x' }];
  it.each<[string, Map<string, unknown>, Map<string, unknown>, boolean]>([
    ['same answers (by identity)', new Map([['q', a]]), new Map<string, unknown>([['q', a], ['other', 1]]), false],
    ['an answer replaced', new Map([['q', a]]), new Map([['q', [{ id: 'x' }]]]), true],
    ['an answer gone', new Map([['q', a]]), new Map(), true],
    ['nothing read', new Map(), new Map([['q', a]]), false],
  ])('%s', (_name, seen, answers, changed) => {
    expect(inputsChanged(seen, answers)).toBe(changed);
  });
});
