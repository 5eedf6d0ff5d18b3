/**
 * Issue 10.1, delivery: 5 rounds of each case test/integration/log-delivery.test.ts runs once
 * or twice. Real HAProxy 2.6 with the supervisor's 8 MiB ring, the built log-shipper (files
 * rotating at 1 MiB, an HTTP sink with 50 ms batches) and a loopback HTTP collector:
 *  - sigterm200 / sigterm600: SIGTERM, 3,000 requests while the shipper is away, 3,000 right
 *    after it accepts again (~200- / ~600-byte lines): missing and duplicated in the host files
 *    and in the sink; drainMs = restart -> both outputs complete (100 ms poll).
 *  - outage600: 1,000 lines/s (rate-limited client) for 13 s, the shipper SIGTERMed after 1 s
 *    and started 10 s after the signal.
 *  - sigkill600: 1,000 lines/s for 3 s, SIGKILL after 1.5 s, restarted at once: lines lost
 *    against the bound of the log-shipper README ("Delivery guarantees").
 * Run: pnpm build && node --import tsx bench/log-delivery.ts (writes bench/results/log-delivery.json).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpCollector } from '../test/helpers/http-collector.js';
import { lineOverhead, outageRound, paddedPrefix, sigkillBound, sigkillRound, sigtermRound, type RoundResult } from '../test/helpers/log-delivery.js';
import { startLogShipper } from '../test/helpers/log-shipper.js';
import { freePort } from '../test/helpers/ports.js';
import { HaproxyLogSource } from '../test/helpers/syslog.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BATCH_WAIT_MS = 50;

const dir = await mkdtemp(join(tmpdir(), 'bench-log-delivery-'));
const collector = await new HttpCollector(await freePort()).start();
const shipper = await startLogShipper(dir, { LOG_ROTATE_MAX_BYTES: String(1024 * 1024), LOG_ROTATE_KEEP: '1000', SINK_HTTP_URL: collector.url, SINK_HTTP_BATCH_WAIT_MS: String(BATCH_WAIT_MS) });
const haproxy = await HaproxyLogSource.start({ syslogTcpPort: shipper.ports.tcp, ringBytes: 8 * 1024 * 1024 });
const results: Record<string, unknown[]> = { sigterm200: [], sigterm600: [], outage600: [], sigkill600: [] };
const row = (r: RoundResult) => ({ sent: r.sent, fileMissing: r.file.missing, fileDuplicated: r.file.duplicated, sinkMissing: r.sink.missing, sinkDuplicated: r.sink.duplicated, drainMs: r.drainMs });
try {
  const overhead = await lineOverhead(haproxy, shipper.logDir);
  for (let i = 0; i < ROUNDS; i++) {
    for (const bytes of [200, 600]) {
      const r = row(await sigtermRound(haproxy, shipper, collector, paddedPrefix(`t${i}x${bytes}`, bytes, overhead)));
      results[`sigterm${bytes}`]!.push(r);
      console.log(`sigterm ~${bytes} B, round ${i + 1}:`, r);
    }
  }
  for (let i = 0; i < ROUNDS; i++) {
    const r = row(await outageRound(haproxy, shipper, collector, paddedPrefix(`o${i}x600`, 600, overhead), { perSecond: 1000, leadMs: 1000, outageMs: 10_000, tailMs: 2000 }));
    results.outage600!.push(r);
    console.log(`10 s outage at 1,000/s, round ${i + 1}:`, r);
  }
  for (let i = 0; i < ROUNDS; i++) {
    const k = await sigkillRound(haproxy, shipper, collector, paddedPrefix(`k${i}x600`, 600, overhead), { perSecond: 1000, durationMs: 3000, killAfterMs: 1500 });
    const r = { ...row(k), queuedAtKill: k.queuedAtKill, bound: sigkillBound(k.queuedAtKill, 600 - 5, 1000, BATCH_WAIT_MS) };
    results.sigkill600!.push(r);
    console.log(`SIGKILL at 1,000/s, round ${i + 1}:`, r);
  }
} finally {
  await haproxy.stop();
  await shipper.proc.stop();
  await collector.stop();
  await rm(dir, { recursive: true, force: true });
}
const out = resolve(import.meta.dirname, 'results/log-delivery.json');
await mkdir(resolve(import.meta.dirname, 'results'), { recursive: true });
await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), rounds: ROUNDS, ...results }, null, 2)}\n`);
console.log(`wrote ${out}`);
