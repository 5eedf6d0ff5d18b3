import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldNow } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '../../packages/core/src/tree.js';
import { versionId } from '../../packages/core/src/versions.js';
import { ComponentProcess, getText } from '../helpers/component.js';
import { metricValue } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { promtoolCheck } from '../helpers/promtool.js';
import { S3Dev } from '../helpers/s3.js';
import { checkedState } from '../helpers/state.js';

type Tree = Record<string, string | Buffer>;
const BUCKET = 'templates';
const idOf = (tree: Tree) => versionId(Object.entries(tree).map(([path, data]) => ({ path, data: Buffer.from(data) })));

/** One s3-sync process with its own SHARED_DIR, and ways to look at it. */
class Sync {
  proc: ComponentProcess;
  constructor(
    readonly sharedDir: string,
    readonly port: number,
    env: Record<string, string>,
  ) {
    this.proc = new ComponentProcess('s3-sync', { ...env, SHARED_DIR: sharedDir, METRICS_ADDR: `127.0.0.1:${port}` });
  }
  static async create(s3: S3Dev, prefix: string, env: Record<string, string> = {}): Promise<Sync> {
    const dir = await mkdtemp(join(tmpdir(), 's3-sync-'));
    return new Sync(dir, await freePort(), { ...s3.env(), SOURCE_URL: `s3://${BUCKET}/${prefix}`, SYNC_INTERVAL_MS: '200', ...env });
  }
  /** A fresh process on the same SHARED_DIR and port (a container restart). */
  restart(): this {
    this.proc = new ComponentProcess('s3-sync', this.proc.env).start();
    return this;
  }
  async state(): Promise<Record<string, any>> {
    return checkedState(await readFile(join(this.sharedDir, 'state/s3-sync.json'), 'utf8'));
  }
  async metrics(): Promise<string> {
    return (await getText(`http://127.0.0.1:${this.port}/metrics`)).body;
  }
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return metricValue(await this.metrics(), name, labels);
  }
  /** The tree `templates/current` names, read as a reader would: resolve once, read inside. */
  async current(): Promise<{ id: string; tree: Record<string, string> }> {
    const dir = await realpath(join(this.sharedDir, 'templates/current'));
    const files = await readTree(dir);
    return { id: dir.split('/').pop()!, tree: Object.fromEntries(files.map((f) => [f.path, Buffer.from(f.data).toString('latin1')])) };
  }
  async releases(): Promise<string[]> {
    return (await readdir(join(this.sharedDir, 'templates/releases'))).filter((n) => !n.startsWith('.'));
  }
  async waitForCurrent(id: string, what = `current = ${id}`): Promise<void> {
    await waitFor(async () => (await this.state().catch(() => undefined))?.current === id, { what, timeoutMs: 20_000 });
  }
  async destroy(): Promise<void> {
    await this.proc.stop();
    await rm(this.sharedDir, { recursive: true, force: true });
  }
}

const latin1 = (tree: Tree) => Object.fromEntries(Object.entries(tree).map(([p, d]) => [p, Buffer.from(d).toString('latin1')]));

/**
 * An S3 outage. `S3Dev.pause()` alone waits for open keep-alive connections to
 * end (http.Server#close), which a client polling every 200 ms may never let
 * happen; a real outage drops them, so do that too.
 */
async function outage(s3: S3Dev): Promise<void> {
  const server = (s3 as unknown as { server?: { httpServer?: Server } }).server;
  const paused = s3.pause();
  server?.httpServer?.closeAllConnections();
  await paused;
}

async function upload(s3: S3Dev, prefix: string, tree: Tree): Promise<void> {
  const entries = Object.entries(tree);
  for (let i = 0; i < entries.length; i += 16) {
    await Promise.all(entries.slice(i, i + 16).map(([path, data]) => s3.put(BUCKET, `${prefix}${path}`, Buffer.from(data))));
  }
}

describe('s3-sync on s3rver', () => {
  let s3: S3Dev;
  const syncs: Sync[] = [];
  const sync = async (prefix: string, env?: Record<string, string>) => {
    const s = await Sync.create(s3, prefix, env);
    syncs.push(s);
    return s;
  };

  beforeAll(async () => {
    s3 = await S3Dev.start([BUCKET]);
  });
  afterEach(async () => {
    await Promise.all(syncs.splice(0).map((s) => s.destroy()));
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('syncs a plain tree byte for byte, polls an unchanged bucket with one request, fetches only a changed object, survives an outage', async () => {
    const tree: Tree = {
      '00-global.cfg.hbs': 'global\n  log stdout format raw local0\n',
      'maps/hosts.map': 'api.example.com be_api\r\nwww.example.com be_www', // CRLF, no final newline
      'errors/503.http': Buffer.from(Array.from({ length: 256 }, (_, i) => i)), // every byte value
      'teams/räksmörgås.cfg': 'backend be_smorgas\n',
    };
    await upload(s3, 'plain/', tree);
    const s = await sync('plain');
    s.proc.start();
    await s.waitForCurrent(idOf(tree));
    expect(await s.current()).toEqual({ id: idOf(tree), tree: latin1(tree) });
    expect(await getText(`http://127.0.0.1:${s.port}/readyz`)).toEqual({ status: 200, body: 'ok\n' });
    expect(await s.state()).toMatchObject({ status: 'ok', mode: 'tree', lastError: null });

    // Unchanged bucket: several polls, one ListObjectsV2 each, nothing downloaded, no new version.
    const before = await s.metrics();
    await waitFor(async () => (await s.metric('s3_sync_polls_total', { result: 'unchanged' })) >= metricValue(before, 's3_sync_polls_total', { result: 'unchanged' }) + 5, {
      what: '5 unchanged polls',
    });
    const after = await s.metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta('s3_sync_polls_total')).toBeGreaterThanOrEqual(5);
    expect(delta('s3_sync_polls_total', { result: 'changed' })).toBe(0);
    expect(delta('s3_sync_objects_downloaded_total')).toBe(0);
    expect(delta('s3_sync_requests_total', { operation: 'GetObject' })).toBe(0);
    // One listing per poll (a poll may be mid-flight when a scrape lands: +-1).
    expect(Math.abs(delta('s3_sync_requests_total', { operation: 'ListObjectsV2' }) - delta('s3_sync_polls_total'))).toBeLessThanOrEqual(1);
    expect(metricValue(after, 's3_sync_publishes_total')).toBe(1);
    expect(await s.releases()).toEqual([idOf(tree)]);

    // One object changes: exactly that object is downloaded.
    const changed = { ...tree, 'maps/hosts.map': 'api.example.com be_api_v2\n' };
    const downloadedBefore = await s.metric('s3_sync_objects_downloaded_total');
    const bytesBefore = await s.metric('s3_sync_bytes_downloaded_total');
    await s3.put(BUCKET, 'plain/maps/hosts.map', changed['maps/hosts.map'] as string);
    await s.waitForCurrent(idOf(changed));
    expect(await s.current()).toEqual({ id: idOf(changed), tree: latin1(changed) });
    expect((await s.metric('s3_sync_objects_downloaded_total')) - downloadedBefore).toBe(1);
    expect((await s.metric('s3_sync_bytes_downloaded_total')) - bytesBefore).toBe(Buffer.byteLength(changed['maps/hosts.map'] as string));
    expect((await s.releases()).sort()).toEqual([idOf(tree), idOf(changed)].sort());

    // /metrics and the textfile are valid exposition.
    expect(promtoolCheck(await s.metrics())).toEqual({ status: 0, findings: '' });
    expect(promtoolCheck(await readFile(join(s.sharedDir, 'textfile/s3-sync.prom'), 'utf8'))).toEqual({ status: 0, findings: '' });

    // S3 goes away: the process keeps running on the last good version, degraded, and says why.
    await outage(s3);
    try {
      const degraded = await waitFor(async () => {
        const st = await s.state();
        return st.status === 'degraded' ? st : undefined;
      }, { what: 'degraded state' });
      expect(degraded).toMatchObject({ current: idOf(changed), lastError: { code: 'S3_UNREACHABLE', context: { bucket: BUCKET, key: 'plain/' } } });
      expect(s.proc.running).toBe(true);
      expect((await getText(`http://127.0.0.1:${s.port}/readyz`)).status).toBe(200);
      expect(await s.metric('s3_sync_errors_total', { code: 'S3_UNREACHABLE' })).toBeGreaterThan(0);
      expect((await s.current()).id).toBe(idOf(changed));
    } finally {
      await s3.resume();
    }
    // A new s3rver on the same port: back to ok, and it syncs changes again.
    await waitFor(async () => (await s.state()).status === 'ok', { what: 'recovered state' });
    const added = { ...changed, 'teams/new.cfg': 'backend be_new\n' };
    await s3.put(BUCKET, 'plain/teams/new.cfg', added['teams/new.cfg'] as string);
    await s.waitForCurrent(idOf(added));
    expect(await s.current()).toEqual({ id: idOf(added), tree: latin1(added) });

    expect(await s.proc.stop('SIGTERM')).toBe(0);
  });

  it('follows CURRENT to a release, switches releases atomically, fetches only what differs, rolls back', async () => {
    const r1: Tree = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`teams/${String(i).padStart(2, '0')}.cfg.hbs`, `backend be_${i}\n`]));
    const r2: Tree = { ...r1, 'teams/03.cfg.hbs': 'backend be_3_changed\n', 'teams/99.cfg.hbs': 'backend be_new\n' };
    delete r2['teams/07.cfg.hbs'];
    await upload(s3, 'rel/releases/r1/', r1);
    await upload(s3, 'rel/releases/r2/', r2);
    // Noise beside the releases that must not leak into the tree.
    await s3.put(BUCKET, 'rel/README', 'not a template');
    await s3.put(BUCKET, 'rel/CURRENT', JSON.stringify({ release: 'r1', commit: 'c0ffee' }));

    const s = await sync('rel/');
    s.proc.start();
    await s.waitForCurrent(idOf(r1));
    expect(await s.current()).toEqual({ id: idOf(r1), tree: latin1(r1) });
    expect(await s.state()).toMatchObject({ mode: 'release', release: 'r1', releaseMeta: { commit: 'c0ffee' } });

    // Unchanged: one conditional GET of CURRENT (304) per poll, no listing.
    const before = await s.metrics();
    await waitFor(async () => (await s.metric('s3_sync_polls_total')) >= metricValue(before, 's3_sync_polls_total') + 5, { what: '5 polls' });
    const after = await s.metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta('s3_sync_requests_total', { operation: 'ListObjectsV2' })).toBe(0);
    expect(Math.abs(delta('s3_sync_requests_total', { operation: 'GetObject' }) - delta('s3_sync_polls_total'))).toBeLessThanOrEqual(1);
    expect(delta('s3_sync_objects_downloaded_total')).toBe(0);

    // A reader resolving templates/current throughout the switch only ever sees r1 or r2, complete.
    const complete = new Set([idOf(r1), idOf(r2)]);
    const seen = new Map<string, number>();
    const broken: string[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const { tree } = await s.current();
        const id = versionId(Object.entries(tree).map(([path, data]) => ({ path, data: Buffer.from(data, 'latin1') })));
        if (!complete.has(id)) broken.push(Object.keys(tree).join(','));
        seen.set(id, (seen.get(id) ?? 0) + 1);
        await yieldNow();
      }
    })();
    const downloaded = await s.metric('s3_sync_objects_downloaded_total');
    await s3.put(BUCKET, 'rel/CURRENT', JSON.stringify({ release: 'r2' }));
    await s.waitForCurrent(idOf(r2));
    await new Promise((r) => setTimeout(r, 100));
    reading = false;
    await reader;
    expect(broken).toEqual([]);
    expect(seen.get(idOf(r1))).toBeGreaterThan(0);
    expect(seen.get(idOf(r2))).toBeGreaterThan(0);
    expect(await s.current()).toEqual({ id: idOf(r2), tree: latin1(r2) });
    // Same path and ETag across releases: reused. Only 03 (changed) and 99 (new) are fetched.
    expect((await s.metric('s3_sync_objects_downloaded_total')) - downloaded).toBe(2);
    expect(await s.state()).toMatchObject({ release: 'r2', status: 'ok' });

    // Rollback is rewriting CURRENT: the old version directory is published again.
    await s3.put(BUCKET, 'rel/CURRENT', JSON.stringify({ release: 'r1' }));
    await s.waitForCurrent(idOf(r1));
    expect(await s.current()).toEqual({ id: idOf(r1), tree: latin1(r1) });
    expect((await s.releases()).sort()).toEqual([idOf(r1), idOf(r2)].sort());
  });

  it('after kill -9 mid-sync, templates/current is complete, is ready at once on restart, and the sync finishes', async () => {
    const v1: Tree = { 'a.cfg': 'A\n', 'b.cfg': 'B\n', 'c.cfg': 'C\n' };
    await upload(s3, 'crash/releases/v1/', v1);
    await s3.put(BUCKET, 'crash/CURRENT', '{"release":"v1"}');
    const s = await sync('crash', { S3_CONCURRENCY: '2' });
    s.proc.start();
    await s.waitForCurrent(idOf(v1));

    // v2 = v1 plus 100 objects: a sync long enough to be killed in the middle of.
    const v2: Tree = { ...v1 };
    for (let i = 0; i < 100; i++) v2[`bulk/${String(i).padStart(3, '0')}.cfg`] = `backend be_${i}\n${'#'.repeat(4000)}\n`;
    await upload(s3, 'crash/releases/v2/', v2);
    await s3.put(BUCKET, 'crash/CURRENT', '{"release":"v2"}');
    await s.proc.waitForLog((l) => l.msg === 'downloading changed objects' && l.download === 100);
    await s.proc.stop('SIGKILL');

    const atKill = await s.current();
    expect([idOf(v1), idOf(v2)]).toContain(atKill.id);
    expect(atKill.tree).toEqual(latin1(atKill.id === idOf(v1) ? v1 : v2));

    // Restart while S3 is away: the version on disk is served, and ready, at once.
    await outage(s3);
    try {
      s.restart();
      await waitFor(async () => (await getText(`http://127.0.0.1:${s.port}/readyz`).catch(() => undefined))?.status === 200, { what: 'ready from disk' });
      expect((await s.state()).current).toBe(atKill.id);
    } finally {
      await s3.resume();
    }
    await s.waitForCurrent(idOf(v2));
    expect(await s.current()).toEqual({ id: idOf(v2), tree: latin1(v2) });
    // Files already on disk were recognised by their MD5 ETags: only the 100 new ones were fetched.
    expect(await s.metric('s3_sync_objects_downloaded_total')).toBe(atKill.id === idOf(v1) ? 100 : 0);
  });
});
