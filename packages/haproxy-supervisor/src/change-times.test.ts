import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeChangeRecord } from '@api-server/core';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeTimes } from './change-times.js';
import { createSupervisorMetrics } from './metrics.js';

describe('ChangeTimes (supervisor)', () => {
  let root: string;
  let now: number;
  let registry: Registry;
  let times: ChangeTimes;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sup-times-'));
    now = 1000;
    registry = new Registry();
    times = new ChangeTimes(root, createSupervisorMetrics(registry), () => now);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('measures from the renderer seeing the change to the runtime apply, seen when first offered', async () => {
    await writeChangeRecord(root, { version: 'aa11', changes: [{ query: 'health.service:web', index: '42', seenAt: 900 }], passAt: 930, renderedAt: 950, writtenAt: 951 });
    now = 960;
    times.offered('aa11');
    now = 970;
    times.offered('aa11'); // offered again: the first time counts
    await times.applying('aa11');
    now = 990;
    expect(times.applied('aa11', 'runtime')).toEqual({
      query: 'health.service:web',
      index: '42',
      seenAt: new Date(900).toISOString(),
      changes: 1,
      ms: { passStart: 30, rendered: 50, supervisorSaw: 60, applied: 90 },
      version: 'aa11',
      method: 'runtime',
    });
    const text = await registry.metrics();
    expect(text).toMatch(/haproxy_supervisor_change_to_apply_seconds_count\{method="runtime"\} 1/);
    expect(text).toMatch(/haproxy_supervisor_change_to_seen_seconds_count 1/);
    // Applied once: a second report of the same version observes nothing more.
    expect(times.applied('aa11', 'runtime')).toBeNull();
  });

  it('a version without times (sidecar of another version) observes nothing', async () => {
    await writeChangeRecord(root, { version: 'bb22', changes: [{ query: 'q', index: null, seenAt: 900 }], passAt: 930, renderedAt: 950, writtenAt: 951 });
    times.offered('aa11');
    await times.applying('aa11');
    expect(times.applied('aa11', 'reload')).toBeNull();
    expect(await registry.metrics()).not.toMatch(/change_to_apply_seconds_count/);
  });
});
