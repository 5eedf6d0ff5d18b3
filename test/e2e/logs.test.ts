import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText } from '../helpers/component.js';
import { HttpCollector } from '../helpers/http-collector.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { EXAMPLE_TEMPLATES, metricValue, Pipeline } from '../helpers/pipeline.js';
import { promtoolCheck } from '../helpers/promtool.js';

/**
 * Issue 5 end to end: HAProxy configured by the pipeline logs through the
 * supervisor's ring to the log-shipper, which writes the host file (rotating it),
 * ships to stdout and an HTTP sink; the metrics sidecar tails the file. Every request
 * must be found exactly once in the files and counted exactly once on :3803, across a
 * restart of each log component.
 */
describe('logs and metrics end to end', () => {
  let pipeline: Pipeline;
  let collector: HttpCollector;
  const HOST = 'web.example.test';

  beforeAll(async () => {
    collector = await new HttpCollector(await freePort()).start();
    pipeline = await Pipeline.start({
      withLogs: true,
      logShipperEnv: { LOG_ROTATE_MAX_BYTES: '40000', SINK_STDOUT: 'true', SINK_HTTP_URL: collector.url, SINK_HTTP_BATCH_WAIT_MS: '100' },
    });
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    await pipeline.addInstance('web', 'web-1');
    pipeline.startAll();
    await pipeline.waitForRouting(HOST, (b) => b.every((x) => x === 'web-1'), { n: 2 });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await collector?.stop();
  });

  const logMetricsUrl = () => `http://127.0.0.1:${pipeline.ports.logMetrics}/metrics`;
  const countedRequests = async () => {
    const value = metricValue((await getText(logMetricsUrl())).body, 'haproxy_http_requests_total', { frontend: 'http' });
    return Number.isNaN(value) ? 0 : value;
  };
  /** Waits until the count stops moving (logs of earlier requests have all arrived). */
  const settledCount = async () => {
    let last = -1;
    return waitFor(async () => {
      const now = await countedRequests();
      const settled = now === last;
      last = now;
      return settled ? now + 1 : undefined; // +1: 0 is a valid settled count
    }, { intervalMs: 1500, what: ':3803 count settling' }).then((v) => v - 1);
  };

  async function send(ids: string[]): Promise<void> {
    for (const id of ids) {
      const res = await pipeline.request(HOST, '/', { 'x-request-id': id });
      expect(res.status).toBe(200);
    }
  }

  async function linesInLogFiles(): Promise<string[]> {
    const dir = pipeline.logs!.dir;
    const lines: string[] = [];
    for (const name of await readdir(dir)) {
      if (!name.startsWith('haproxy.log')) continue;
      const raw = await readFile(join(dir, name)).catch(() => undefined);
      if (!raw) continue; // rotated and gzipped meanwhile: the .gz is read instead
      const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      lines.push(...text.split('\n').filter(Boolean));
    }
    return lines;
  }

  it('puts each request, parsed, in the host file, on stdout, in the HTTP sink, and counts it on :3803', async () => {
    const before = await settledCount();
    const ids = Array.from({ length: 150 }, (_, i) => `e2e-a-${String(i).padStart(4, '0')}`);
    await send(ids);
    await waitFor(async () => (await countedRequests()) - before === ids.length, { what: `:3803 counting ${ids.length} requests` });
    const lines = await linesInLogFiles();
    for (const id of ids.slice(0, 10)) expect(lines.filter((l) => l.includes(`{${id}`) || l.includes(id)).length, id).toBe(1);
    await waitFor(() => ids.every((id) => collector.records.some((r) => JSON.stringify(r).includes(id))), { what: 'HTTP sink has every request' });
    const sinkRecord = collector.records.find((r) => JSON.stringify(r).includes(ids[0]!)) as Record<string, any>;
    expect(JSON.stringify(sinkRecord)).toMatch(/"frontend":"http"/);
    expect(JSON.stringify(sinkRecord)).toMatch(/"status":200/);
    expect(pipeline.logs!.shipper.output).toContain(ids[0]);
    expect(await countedRequests()).toBe(before + ids.length); // nothing counted twice
    for (const url of [logMetricsUrl(), `http://127.0.0.1:${pipeline.ports.haproxyMetrics}/metrics`, `http://127.0.0.1:${pipeline.ports.logShipper}/metrics`]) {
      expect(promtoolCheck((await getText(url)).body), url).toEqual({ status: 0, findings: '' });
    }
    // :9101 reads the supervisor's admin socket from the shared run/ directory.
    expect(metricValue((await getText(`http://127.0.0.1:${pipeline.ports.haproxyMetrics}/metrics`)).body, 'haproxy_up')).toBe(1);
  });

  it('across rotations and a restart of log-shipper and of metrics: every request once in the files and once on :3803', async () => {
    const ids = Array.from({ length: 800 }, (_, i) => `e2e-b-${String(i).padStart(4, '0')}`);
    const first = ids.slice(0, 400);
    const second = ids.slice(400);
    const countUntil = async (base: number, n: number, what: string) => {
      let counted = 0;
      await waitFor(async () => (counted = (await countedRequests().catch(() => 0)) - base) === n, { timeoutMs: 40_000 }).catch(() => {
        throw new Error(`:3803 counted ${counted} of ${n} ${what}`);
      });
    };

    // Batch 1 under load, with the log-shipper restarted in the middle (HAProxy's ring buffers meanwhile).
    const before = await settledCount();
    const sending = (async () => {
      for (let i = 0; i < first.length; i += 50) await send(first.slice(i, i + 50));
    })();
    await new Promise((r) => setTimeout(r, 300));
    await pipeline.logs!.shipper.stop();
    pipeline.logs!.shipper.start();
    await sending;
    await countUntil(before, first.length, 'requests of batch 1');

    // metrics restarts: a Prometheus counter starts again from 0, and its saved position
    // must make it count only what comes after, nothing twice, nothing skipped.
    await pipeline.logs!.metrics.stop();
    pipeline.logs!.metrics.start();
    await waitFor(async () => (await getText(logMetricsUrl()).catch(() => ({ status: 0 }))).status === 200, { what: ':3803 back' });
    const restarted = await settledCount();
    expect(restarted).toBe(0);
    await send(second);
    await countUntil(0, second.length, 'requests of batch 2 after the restart');

    const lines = await linesInLogFiles();
    const wrong = ids.filter((id) => lines.filter((l) => l.includes(`|${id}}`) || l.includes(`{${id}}`) || l.includes(` ${id}`)).length !== 1);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect((await readdir(pipeline.logs!.dir)).some((n) => /^haproxy\.log\.\d+\.gz$/.test(n))).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await countedRequests()).toBe(second.length);
  });
});
