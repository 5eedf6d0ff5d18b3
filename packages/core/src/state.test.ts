import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateReporter } from './state.js';

describe('StateReporter', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'state-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const read = async () => JSON.parse(await readFile(join(dir, 'state', 'x.json'), 'utf8')) as Record<string, unknown>;

  it('each awaited flush finds its change in the file', async () => {
    const state = new StateReporter({ sharedDir: dir, component: 'x', version: '1' });
    await state.update({ a: 1 });
    expect(await read()).toMatchObject({ a: 1 });
    await state.success('v1');
    expect(await read()).toMatchObject({ a: 1, status: 'ok', current: 'v1' });
    await state.failure(new Error('boom'));
    expect(await read()).toMatchObject({ status: 'degraded', lastError: { message: 'boom' } });
  });

  it('flushes asked for while a write waits share it, and all see the last state', async () => {
    const state = new StateReporter({ sharedDir: dir, component: 'x', version: '1' });
    const first = state.update({ n: 1 });
    const rest = [state.update({ n: 2 }), state.update({ n: 3 }), state.success('v')];
    // Asked in the same tick as the first: one shared write, not four.
    expect(new Set([first, ...rest]).size).toBe(1);
    await Promise.all([first, ...rest]);
    expect(await read()).toMatchObject({ n: 3, current: 'v', status: 'ok' });
    const later = state.update({ n: 4 });
    expect(later).not.toBe(first);
    await later;
    expect(await read()).toMatchObject({ n: 4 });
  });
});
