import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '../../packages/core/src/tree.js';
import { versionId } from '../../packages/core/src/versions.js';
import { apictl, copyExampleRepo } from '../helpers/apictl.js';
import { ComponentProcess } from '../helpers/component.js';
import { FlakyS3 } from '../helpers/flaky-s3.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { S3Dev } from '../helpers/s3.js';

const BUCKET = 'routing';

// apictl publish / releases / rollback against s3rver, with s3-sync as a node.
describe('apictl publish, releases, rollback (s3rver, s3-sync, real HAProxy)', () => {
  let s3: S3Dev;
  let repo: string;
  let shared: string;
  let node: ComponentProcess;
  const ids: string[] = [];

  const templates = () => join(repo, 'templates');
  const publish = (prefix: string, extra: string[] = [], env: Record<string, string> = s3.env()) =>
    apictl(['publish', templates(), '--catalog', join(repo, 'catalog.yaml'), '--to', `s3://${BUCKET}/${prefix}`, ...extra], { env });
  const keys = async (prefix: string) =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
  const current = async (prefix: string) => JSON.parse(Buffer.from(await (await s3.client.send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}/CURRENT` }))).Body!.transformToByteArray()).toString());
  const nodeState = async () => JSON.parse(await readFile(join(shared, 'state/s3-sync.json'), 'utf8').catch(() => '{}')) as { current?: string };
  /** The tree the node holds, read as the renderer would: resolve current once, read inside. */
  const nodeTree = async () => {
    const dir = await realpath(join(shared, 'templates/current'));
    const files = await readTree(dir);
    return { id: versionId(files), paths: files.map((f) => f.path) };
  };

  beforeAll(async () => {
    [s3, repo, shared] = await Promise.all([S3Dev.start([BUCKET]), copyExampleRepo(), mkdtemp(join(tmpdir(), 'apictl-node-'))]);
    node = new ComponentProcess('s3-sync', { ...s3.env(), SHARED_DIR: shared, METRICS_ADDR: `127.0.0.1:${await freePort()}`, SOURCE_URL: `s3://${BUCKET}/prod`, SYNC_INTERVAL_MS: '200' }).start();
  });
  afterAll(async () => {
    await node?.stop();
    await s3?.stop();
    await rm(repo, { recursive: true, force: true });
    await rm(shared, { recursive: true, force: true });
  });

  it('publishes a release that s3-sync picks up, with its id, and a no-op re-publish', async () => {
    const r = await publish('prod', ['--message', 'first', '--author', 'ana', '--commit', 'c0ffee']);
    expect(r.stderr).toMatch(/release [0-9a-f]{16} is live/);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    expect(await current('prod')).toMatchObject({ release: id, author: 'ana', commit: 'c0ffee', message: 'first', files: 19, previous: null });
    // The metadata sits beside the release folder: only templates inside it.
    expect(await keys(`prod/releases/${id}.json`)).toEqual([`prod/releases/${id}.json`]);
    await waitFor(async () => (await nodeState()).current === id, { what: `node on ${id}` });
    const tree = await nodeTree();
    expect(tree.id).toBe(id);
    expect(tree.paths).toContain('50-payments-billing.cfg.hbs');
    // What the node synced validates with the real HAProxy, byte for byte as published.
    const onNode = await apictl(['validate', join(shared, 'templates/current'), '--catalog', join(repo, 'catalog.yaml')]);
    expect(onNode.code).toBe(0);
    const again = await publish('prod');
    expect([again.code, again.stdout.trim()]).toEqual([0, id]);
    expect(again.stderr).toMatch(/already names release/);
  });

  it('a new release of many files reaches the node atomically: it only ever sees the old tree or the new one', async () => {
    for (let i = 0; i < 120; i++) {
      await writeFile(join(templates(), `60-team${i}-svc${i}.cfg.hbs`), `backend svc${i}\n    mode http\n    balance roundrobin\n{{> servers name="web"}}\n`);
    }
    const seen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        seen.add(await nodeTree().then((t) => t.id, (err: Error) => err.message));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const r = await publish('prod', ['--message', 'add 120 services', '--progress']).finally(() => setTimeout(() => (sampling = false), 15_000));
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    expect(r.stderr).toMatch(/uploading 139\/139 files/);
    expect(r.stderr).toMatch(/120 uploaded, 19 copied/);
    await waitFor(async () => (await nodeState()).current === id, { what: `node on ${id}` });
    sampling = false;
    await sampler;
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('lists releases with metadata and rolls the node back to an earlier one', async () => {
    const list = await apictl(['releases', '--to', `s3://${BUCKET}/prod`], { env: s3.env() });
    expect(list.code).toBe(0);
    const rows = list.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^\s+RELEASE\s+PUBLISHED\s+AUTHOR\s+COMMIT\s+MESSAGE$/);
    expect(rows[1]).toMatch(new RegExp(`^\\*  ${ids[1]}  .*add 120 services$`));
    expect(rows[2]).toMatch(new RegExp(`^   ${ids[0]}  \\d{4}-\\d\\d-\\d\\dT\\S+\\s+ana\\s+c0ffee\\s+first$`));

    const back = await apictl(['rollback', ids[0]!, '--to', `s3://${BUCKET}/prod`, '-m', 'too many services'], { env: s3.env() });
    expect(back.code).toBe(0);
    expect(await current('prod')).toMatchObject({ release: ids[0], rollback: true, message: 'too many services', previous: ids[1] });
    await waitFor(async () => (await nodeState()).current === ids[0], { what: 'node rolled back' });
    expect((await nodeTree()).id).toBe(ids[0]);
    const json = JSON.parse((await apictl(['releases', '--to', `s3://${BUCKET}/prod`, '--json'], { env: s3.env() })).stdout);
    expect(json.current.release).toBe(ids[0]);
    const unknown = await apictl(['rollback', 'ffffffffffffffff', '--to', `s3://${BUCKET}/prod`], { env: s3.env() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no release ffffffffffffffff .*\[RELEASE_NOT_FOUND\]/);
  });

  it('S3 failing mid-publish: CURRENT stays on the old release, the node never sees the new one, a re-run completes it', async () => {
    const flaky = await FlakyS3.start(s3.port);
    try {
      const before = (await current('prod')).release as string;
      await writeFile(join(templates(), '70-late.cfg.hbs'), 'backend late\n    mode http\n{{> servers name="web"}}\n');
      for (let i = 0; i < 120; i++) await writeFile(join(templates(), `60-team${i}-svc${i}.cfg.hbs`), `backend svc${i}\n    mode http\n    balance leastconn\n{{> servers name="web"}}\n`);
      flaky.failAfterPuts = 30;
      const failed = await publish('prod', ['--concurrency', '4'], flaky.env());
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/PutObject|CopyObject/);
      expect(failed.stderr).toMatch(/\[S3_REQUEST_FAILED\]/);
      expect((await current('prod')).release).toBe(before);
      const newId = versionId(await readTree(templates()).then((fs) => fs.filter((f) => !f.path.endsWith('.md'))));
      expect(await keys(`prod/releases/${newId}.json`)).toEqual([]);
      await new Promise((r) => setTimeout(r, 600)); // three node polls
      expect((await nodeState()).current).toBe(before);

      flaky.failAfterPuts = Infinity;
      flaky.puts = 0;
      const rerun = await publish('prod', [], flaky.env());
      expect(rerun.code).toBe(0);
      expect(rerun.stdout.trim()).toBe(newId);
      // Only what the failed run did not store is sent again (files + metadata + CURRENT).
      expect(flaky.puts).toBeLessThanOrEqual(140 - 30 + 2);
      await waitFor(async () => (await nodeState()).current === newId, { what: 'node on the completed release' });
    } finally {
      await flaky.stop();
    }
  });

  it('a publish racing another writer of CURRENT is refused and leaves the other release live (s3rver: detected by re-reading)', async () => {
    const flaky = await FlakyS3.start(s3.port);
    try {
      await writeFile(join(templates(), '71-race.cfg.hbs'), 'backend race\n    mode http\n{{> servers name="web"}}\n');
      flaky.beforePut = async (path) => {
        // While our metadata is written, someone else flips CURRENT (a rollback elsewhere).
        if (/\/releases\/[0-9a-f]+\.json$/.test(path)) await s3.put(BUCKET, 'prod/CURRENT', JSON.stringify({ release: ids[0], author: 'bob' }));
      };
      const r = await publish('prod', [], flaky.env());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/CURRENT changed while this command ran \(it named \w+, now \w+ by bob\).*NOT live.*\[CURRENT_CHANGED\]/);
      expect((await current('prod')).release).toBe(ids[0]);
    } finally {
      await flaky.stop();
    }
  });

  it('bad input is refused before anything is uploaded', async () => {
    await writeFile(join(templates(), '50-broken.cfg.hbs'), 'backend broken\n    mode http\n    balanse roundrobin\n');
    const r = await publish('bad');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/50-broken\.cfg\.hbs:3:5: error: unknown keyword 'balanse'/);
    expect(r.stderr).toMatch(/validation failed, nothing uploaded/);
    expect(await keys('bad/')).toEqual([]);
    await rm(join(templates(), '50-broken.cfg.hbs'));
  });
});
