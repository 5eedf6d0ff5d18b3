import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishVersion } from '@api-server/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TemplatesInput } from './templates-input.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'templates-input-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Polls `cond` (vitest's waitFor) until it holds, for up to 3 s. */
const until = (cond: () => boolean) => vi.waitFor(() => expect(cond()).toBe(true), { timeout: 3000, interval: 10 });

describe('TemplatesInput', () => {
  it('reports a move of current (not the first look), beats while idle, and loads the version it names', async () => {
    const v1 = await publishVersion({ root }, [{ path: 'a.cfg.hbs', data: Buffer.from('one') }]);
    let changes = 0;
    let ticks = 0;
    const input = new TemplatesInput(root, { pollMs: 50, onChange: () => changes++, onTick: () => ticks++ });
    const controller = new AbortController();
    input.start(controller.signal);
    await until(() => ticks >= 3);
    expect(changes).toBe(0);
    expect((await input.load())?.id).toBe(v1.id);

    const v2 = await publishVersion({ root }, [{ path: 'a.cfg.hbs', data: Buffer.from('two') }]);
    await until(() => changes === 1);
    const loaded = await input.load();
    expect(loaded?.id).toBe(v2.id);
    expect(Buffer.from(loaded!.files[0]!.data).toString()).toBe('two');

    // After the abort the look in flight may still finish; then the loop is over.
    controller.abort();
    await new Promise((r) => setTimeout(r, 100));
    const after = ticks;
    await new Promise((r) => setTimeout(r, 250));
    expect(ticks).toBe(after);
  });

  it('answers null before anything is published, then sees the first version as a change', async () => {
    let changes = 0;
    let ticks = 0;
    const input = new TemplatesInput(join(root, 'templates'), { pollMs: 50, onChange: () => changes++, onTick: () => ticks++ });
    const controller = new AbortController();
    input.start(controller.signal);
    expect(await input.load()).toBeNull();
    await until(() => ticks >= 1); // the first look (nothing published) is done
    await publishVersion({ root: join(root, 'templates') }, [{ path: 'a.cfg.hbs', data: Buffer.from('one') }]);
    await until(() => changes === 1);
    input.stop();
    controller.abort();
  });
});
