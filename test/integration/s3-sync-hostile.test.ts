import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { HostileS3 } from '../helpers/hostile-s3.js';
import { metricValue } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { checkedState } from '../helpers/state.js';

/**
 * s3-sync against a server that serves keys built to escape the output
 * directory (and oversized objects, runaway trees, broken CURRENT pointers).
 * Each refusal must name the key, publish nothing, keep the last good version,
 * and write nothing outside SHARED_DIR/templates.
 */
describe('s3-sync refuses hostile input', () => {
  let s3: HostileS3;
  let root: string;
  let sharedDir: string;
  let proc: ComponentProcess;
  let metricsUrl: string;
  let initialRequests = 0;
  const good = { 'a.cfg': 'frontend a\n', 'sub/b.map': 'b 1\n' };

  const state = async () => checkedState(await readFile(join(sharedDir, 'state/s3-sync.json'), 'utf8'));

  beforeAll(async () => {
    s3 = await HostileS3.start('hostile');
    s3.set(good);
    root = await mkdtemp(join(tmpdir(), 's3-sync-hostile-'));
    sharedDir = join(root, 'shared');
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    proc = new ComponentProcess('s3-sync', {
      ...s3.env(),
      SHARED_DIR: sharedDir,
      METRICS_ADDR: `127.0.0.1:${port}`,
      // No prefix: the listing hands over keys exactly as stored, `/etc/passwd` included.
      SOURCE_URL: 's3://hostile',
      SYNC_INTERVAL_MS: '100',
      S3_MAX_OBJECT_BYTES: '1024',
      S3_MAX_OBJECTS: '20',
    }).start();
    await waitFor(async () => (await state()).current, { what: 'first publish' });
    initialRequests = s3.requests.length;
  });

  afterAll(async () => {
    await proc?.stop();
    await s3?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const cases: Array<[what: string, objects: Record<string, string | Buffer | { body: Buffer; listedSize: number }>, code: string, key: string]> = [
    ['a ".." segment', { '../x': 'escaped' }, 'UNSAFE_KEY', '../x'],
    ['".." deeper in the key', { 'sub/../../x': 'escaped' }, 'UNSAFE_KEY', 'sub/../../x'],
    ['an absolute path', { '/etc/passwd': 'root::0:0::/:/bin/sh\n' }, 'UNSAFE_KEY', '/etc/passwd'],
    ['percent-encoded dots', { 'a/%2e%2e/b': 'escaped' }, 'UNSAFE_KEY', 'a/%2e%2e/b'],
    ['a newline in the key', { 'evil\nname.cfg': 'x' }, 'UNSAFE_KEY', 'evil\nname.cfg'],
    ['a backslash', { 'sub\\..\\..\\x': 'x' }, 'UNSAFE_KEY', 'sub\\..\\..\\x'],
    ['an empty segment', { 'sub//c.cfg': 'x' }, 'UNSAFE_KEY', 'sub//c.cfg'],
    ['an object over S3_MAX_OBJECT_BYTES', { 'big.bin': Buffer.alloc(2048, 1) }, 'OBJECT_TOO_LARGE', 'big.bin'],
    ['an object larger than its listing claims', { 'liar.bin': { body: Buffer.alloc(4096, 2), listedSize: 10 } }, 'OBJECT_TOO_LARGE', 'liar.bin'],
    ['a tree over S3_MAX_OBJECTS', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`many/${i}.cfg`, 'x'])), 'TREE_TOO_LARGE', ''],
    ['a CURRENT that is not JSON', { CURRENT: 'release r1' }, 'CURRENT_INVALID', 'CURRENT'],
    ['a CURRENT naming a release that climbs', { CURRENT: '{"release":"../.."}' }, 'CURRENT_INVALID', 'CURRENT'],
    ['a CURRENT naming a release with no objects', { CURRENT: '{"release":"missing"}' }, 'RELEASE_EMPTY', 'CURRENT'],
  ];

  it.each(cases)('refuses %s, naming the key, and keeps the last good version', async (_what, bad, code, key) => {
    const before = await state();
    const link = await readlink(join(sharedDir, 'templates/current'));
    s3.set({ ...good, ...bad });
    const refused = await waitFor(
      async () => {
        const s = await state();
        return s.lastError?.code === code && s.lastError?.context?.key === key ? s : undefined;
      },
      { what: `${code} for ${JSON.stringify(key)}`, timeoutMs: 10_000 },
    );
    expect(refused.lastError.message).toContain(JSON.stringify(key));
    expect(refused.status).toBe('degraded');
    expect(refused.current).toBe(before.current);
    expect(await readlink(join(sharedDir, 'templates/current'))).toBe(link);
    expect(proc.running).toBe(true);
    expect(await getText(`${metricsUrl}/readyz`)).toEqual({ status: 200, body: 'ok\n' });

    // Back to the good tree: the component recovers without a new version.
    s3.set(good);
    await waitFor(async () => (await state()).status === 'ok', { what: 'recovery', timeoutMs: 10_000 });
    expect((await state()).current).toBe(before.current);
  });

  it('never downloaded a key it refused, and counted every refusal by code', async () => {
    const gets = s3.requests.slice(initialRequests).filter((r) => r.startsWith('GET ') && r !== 'GET ?list' && r !== 'GET CURRENT');
    // Only the liar is fetched (its listing looked fine); it is cut off at the limit.
    expect(gets.filter((r) => r !== 'GET liar.bin')).toEqual([]);
    const body = (await getText(`${metricsUrl}/metrics`)).body;
    expect(metricValue(body, 's3_sync_errors_total', { code: 'UNSAFE_KEY' })).toBeGreaterThanOrEqual(7);
    expect(metricValue(body, 's3_sync_errors_total', { code: 'OBJECT_TOO_LARGE' })).toBeGreaterThanOrEqual(2);
    expect(metricValue(body, 's3_sync_publishes_total')).toBe(1);
  });

  it('wrote nothing outside its own output, state and textfile', async () => {
    const found: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const name of await readdir(join(root, rel))) {
        const path = rel ? `${rel}/${name}` : name;
        found.push(path);
        if ((await lstat(join(root, path))).isDirectory()) await walk(path);
      }
    };
    await walk('');
    const id = (await state()).current as string;
    expect(found.sort()).toEqual(
      [
        'shared',
        'shared/state',
        'shared/state/s3-sync.json',
        'shared/templates',
        'shared/templates/current',
        'shared/templates/releases',
        `shared/templates/releases/${id}`,
        `shared/templates/releases/${id}/a.cfg`,
        `shared/templates/releases/${id}/sub`,
        `shared/templates/releases/${id}/sub/b.map`,
        'shared/textfile',
        'shared/textfile/s3-sync.prom',
      ].sort(),
    );
    expect(await readFile(join(sharedDir, 'templates/current/a.cfg'), 'utf8')).toBe(good['a.cfg']);
  });
});
