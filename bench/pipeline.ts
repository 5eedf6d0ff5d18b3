/**
 * Issue 2's measurements on real components (the e2e Pipeline fixture):
 *   - Consul health change -> HAProxy stops / starts routing to the instance (p50/p99)
 *   - S3 upload -> the new config is live and routing
 * Run: pnpm bench:pipeline  (writes bench/results/pipeline.json)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLE_TEMPLATES, Pipeline, requestVia } from '../test/helpers/pipeline.js';
import { getText } from '../test/helpers/component.js';
import { metricValue } from '../test/helpers/pipeline.js';
import { percentile } from './percentile.js';

const CHANGES = Number(process.env.BENCH_HEALTH_CHANGES ?? 50);
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 10);
const SYNC_INTERVAL_MS = 250;


/** Time until `ok` holds for `streak` consecutive probes; returns ms since `since` at the first of them. */
async function probeUntil(port: number, host: string, ok: (body: string) => boolean, since: number, streak = 8): Promise<number> {
  let firstOk: number | undefined;
  let run = 0;
  const deadline = since + 30_000;
  while (performance.now() < deadline) {
    const at = performance.now();
    const body = (await requestVia(port, host)).body;
    if (ok(body)) {
      firstOk ??= at;
      if (++run >= streak) return firstOk - since;
    } else {
      firstOk = undefined;
      run = 0;
    }
  }
  throw new Error(`no convergence for ${host} within 30 s`);
}

async function main(): Promise<void> {
  const pipeline = await Pipeline.start();
  try {
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    for (const id of ['web-1', 'web-2']) await pipeline.addInstance('web', id);
    pipeline.startAll();
    await pipeline.waitForRouting('web.bench', (b) => new Set(b).size === 2, { timeoutMs: 60_000 });
    const port = pipeline.ports.http;
    const reloadsBefore = metricValue((await getText(pipeline.metricsUrl('supervisor'))).body, 'haproxy_supervisor_reloads_total');

    const out: number[] = [];
    const back: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      let t = performance.now();
      await pipeline.consul.setHealth('web-2', false);
      out.push(await probeUntil(port, 'web.bench', (b) => b === 'web-1', t));
      t = performance.now();
      await pipeline.consul.setHealth('web-2', true);
      back.push(await probeUntil(port, 'web.bench', (b) => b === 'web-2', t, 1));
    }
    const reloadsAfter = metricValue((await getText(pipeline.metricsUrl('supervisor'))).body, 'haproxy_supervisor_reloads_total');

    const uploads: number[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      const service = `svc${i}`;
      const instance = await pipeline.addInstance(service, `${service}-1`);
      const t = performance.now();
      await pipeline.putTemplate(`50-${service}.cfg.hbs`, `backend ${service}\n    mode http\n{{> servers name="${service}"}}\n`);
      uploads.push(await probeUntil(port, `${service}.bench`, (b) => b === instance.id, t, 1));
    }

    const rows = [
      { measure: 'health check critical -> no longer routed', n: out.length, p50_ms: percentile(out, 50), p99_ms: percentile(out, 99), max_ms: Math.max(...out) },
      { measure: 'health check passing -> routed again', n: back.length, p50_ms: percentile(back, 50), p99_ms: percentile(back, 99), max_ms: Math.max(...back) },
      { measure: `S3 upload -> live (SYNC_INTERVAL_MS=${SYNC_INTERVAL_MS})`, n: uploads.length, p50_ms: percentile(uploads, 50), p99_ms: percentile(uploads, 99), max_ms: Math.max(...uploads) },
    ].map((r) => ({ ...r, p50_ms: Math.round(r.p50_ms), p99_ms: Math.round(r.p99_ms), max_ms: Math.round(r.max_ms) }));
    console.table(rows);
    const result = { date: new Date().toISOString(), reloadsDuringHealthChanges: reloadsAfter - reloadsBefore, healthChanges: CHANGES * 2, rows };
    console.log(`reloads during ${CHANGES * 2} health changes: ${result.reloadsDuringHealthChanges}`);
    await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
    await writeFile(join(import.meta.dirname, 'results/pipeline.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await pipeline.stop();
  }
}

await main();
