import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { createRegistry, TextfileWriter } from './metrics.js';

describe('createRegistry', () => {
  it('exposes process metrics that pass promtool check metrics', async () => {
    const body = await createRegistry().metrics();
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
    const result = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('TextfileWriter', () => {
  it('writes at once after a quiet spell, folds requests within the interval into one write at its end, and flushes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'textfile-'));
    try {
      const registry = new Registry();
      const counter = new Counter({ name: 'x_total', help: 'h', registers: [registry] });
      const writer = new TextfileWriter({ sharedDir: dir, component: 'c', registry, families: ['x_total'], onError: (err) => { throw err; }, intervalMs: 300 });
      const read = () => readFile(join(dir, 'textfile', 'c.prom'), 'utf8').catch(() => '');
      counter.inc();
      writer.request();
      await vi.waitFor(async () => expect(await read()).toContain('x_total 1'));
      counter.inc();
      writer.request();
      counter.inc();
      writer.request();
      // Within the interval: not yet written.
      await new Promise((r) => setTimeout(r, 50));
      expect(await read()).toContain('x_total 1');
      await vi.waitFor(async () => expect(await read()).toContain('x_total 3'), { timeout: 2000 });
      counter.inc();
      writer.request();
      await writer.flush();
      expect(await read()).toContain('x_total 4');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
