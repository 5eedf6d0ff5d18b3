import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createRegistry } from './metrics.js';

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
