import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStates, status } from './status.js';

const good = (component: string, extra: Record<string, unknown> = {}) => ({
  component,
  version: '0.1.0',
  status: 'ok',
  current: 'abc',
  lastSuccessAt: new Date().toISOString(),
  lastAttemptAt: new Date().toISOString(),
  lastError: null,
  counters: {},
  ...extra,
});

describe('apictl status reading state files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-test-'));
    await mkdir(join(dir, 'state'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const put = (name: string, body: unknown) => writeFile(join(dir, 'state', name), typeof body === 'string' ? body : JSON.stringify(body));

  it('parses each file with its component schema, reports the invalid and unreadable ones, skips non-stage files', async () => {
    await put('s3-sync.json', good('s3-sync', { mode: 'release', release: 'r1' }));
    await put('renderer.json', good('renderer', { held: [{ file: 'a.cfg' }] }));
    await put('metrics.json', '{"component": "metrics", ');
    await put('metrics-position.json', { inode: 1, offset: 2 });
    const states = await readStates(dir);
    expect([...states.keys()].sort()).toEqual(['metrics', 'renderer', 's3-sync']);
    expect(states.get('s3-sync')).toMatchObject({ component: 's3-sync', release: 'r1' });
    expect(states.get('renderer')).toBeInstanceOf(Error);
    expect((states.get('renderer') as Error).message).toMatch(/not a valid renderer state file: held\.0\.template: /);
    expect(states.get('metrics')).toBeInstanceOf(Error);

    const out: string[] = [];
    const code = await status({ sharedDir: dir, json: false }, (s) => out.push(s));
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/^renderer +unreadable +- +- +.*held\.0\.template/m);
    expect(out.join('\n')).toMatch(/^s3-sync +ok +abc /m);
  });

  it('exits 0 when every state file is valid and ok', async () => {
    for (const c of ['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics']) await put(`${c}.json`, good(c));
    expect(await status({ sharedDir: dir, json: true }, () => undefined)).toBe(0);
  });
});
