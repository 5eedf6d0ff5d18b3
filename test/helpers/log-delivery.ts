import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import type { HttpCollector } from './http-collector.js';
import type { ShipperUnderTest } from './log-shipper.js';
import { waitFor } from './ports.js';
import { countRequests, readAllLogLines, type HaproxyLogSource } from './syslog.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `count` GETs of `/<prefix>/<from + i>` started at `perSecond` (a rate-limited client,
 * whatever the answers' latency). Resolves when all answered; rejects if any failed.
 */
export async function loadAtRate(src: HaproxyLogSource, prefix: string, count: number, perSecond: number, from = 0): Promise<void> {
  const t0 = performance.now();
  const failures: string[] = [];
  const all: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / perSecond - performance.now();
    if (wait >= 1) await sleep(wait);
    const id = from + i;
    all.push(
      getOnce(src, `/${prefix}/${id}`).then(
        (status) => void (status !== 200 && failures.push(`${id}: ${status}`)),
        (err: Error) => void failures.push(`${id}: ${err.message}`),
      ),
    );
  }
  await Promise.all(all);
  if (failures.length > 0) throw new Error(`${failures.length} requests failed, e.g. ${failures.slice(0, 3).join(', ')}`);
}

/**
 * One GET, sent again if a kept-alive connection turns out closed: HAProxy closes idle
 * client connections (`timeout client`) and a request racing that close ends in ECONNRESET
 * or "socket hang up" before HAProxy read it, so it was not logged and is sent once more.
 */
async function getOnce(src: HaproxyLogSource, path: string): Promise<number> {
  try {
    return await src.get(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ECONNRESET' && !/socket hang up/.test(e.message)) throw err;
    return src.get(path);
  }
}

/**
 * A request prefix that makes each ring line about `lineBytes` long (newline included),
 * given `overhead`: the bytes of a line besides its path (see {@link lineOverhead}).
 */
export function paddedPrefix(tag: string, lineBytes: number, overhead: number): string {
  return `${tag}${'p'.repeat(Math.max(0, lineBytes - overhead - `/${tag}/12345`.length))}`;
}

/** Bytes of a logged request line besides its path: one request of `/<probe>/0`, read back from the file. */
export async function lineOverhead(src: HaproxyLogSource, logDir: string, probe = 'probe'): Promise<number> {
  await src.get(`/${probe}/0`);
  const line = await waitFor(async () => (await stableLogLines(logDir)).find((l) => l.includes(`"GET /${probe}/0 `)), { what: 'the probe line in haproxy.log' });
  return line.length + 1 - `/${probe}/0`.length;
}

/** How often each `/<prefix>/<i>` request appears among the records an HTTP collector received. */
export function countSinkRequests(records: ReadonlyArray<Record<string, unknown>>, prefix: string): Map<number, number> {
  const counts = new Map<number, number>();
  const needle = `GET /${prefix}/`;
  for (const r of records) {
    const request = r.request;
    if (typeof request !== 'string' || !request.startsWith(needle)) continue;
    const id = Number.parseInt(request.slice(needle.length), 10);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Ids `0 .. sent-1` that are missing, and those seen more than once (at most 10 of each listed). */
export function deliveryReport(counts: Map<number, number>, sent: number): { missing: number; duplicated: number; missingIds: number[]; duplicatedIds: number[] } {
  const missingIds: number[] = [];
  const duplicatedIds: number[] = [];
  for (let id = 0; id < sent; id++) {
    const n = counts.get(id) ?? 0;
    if (n === 0) missingIds.push(id);
    else if (n > 1) duplicatedIds.push(id);
  }
  return { missing: missingIds.length, duplicated: duplicatedIds.length, missingIds: missingIds.slice(0, 10), duplicatedIds: duplicatedIds.slice(0, 10) };
}

/**
 * Lines of haproxy.log and its rotated files as of a moment when no rotation was under
 * way: a rotation renames files (ENOENT mid-read) and briefly has both `.1` and `.1.gz`,
 * so two reads in a row must agree on files and line count.
 */
export async function stableLogLines(logDir: string): Promise<string[]> {
  let previous: string | undefined;
  for (;;) {
    try {
      const { files, lines } = await readAllLogLines(logDir);
      const key = `${files.join(',')}:${lines.length}`;
      if (key === previous) return lines;
      previous = key;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      previous = undefined;
    }
    await sleep(50);
  }
}

/** Both outputs of a shipper: its host files (haproxy.log + rotated) and an HTTP collector. */
export async function deliveredCounts(shipper: ShipperUnderTest, collector: HttpCollector, prefix: string): Promise<{ file: Map<number, number>; sink: Map<number, number> }> {
  return { file: countRequests(await stableLogLines(shipper.logDir), prefix), sink: countSinkRequests(collector.records, prefix) };
}

/**
 * Waits until both outputs hold `expected` distinct requests of `prefix`, or until
 * neither grew for `quietMs` (then the caller's assertions say what is missing).
 * Returns when that was, in ms after the call.
 */
export async function waitDelivered(shipper: ShipperUnderTest, collector: HttpCollector, prefix: string, expected: number, quietMs = 3000): Promise<number> {
  const t0 = performance.now();
  let last = -1;
  let lastGrowth = t0;
  for (;;) {
    const { file, sink } = await deliveredCounts(shipper, collector, prefix);
    if (file.size >= expected && sink.size >= expected) return performance.now() - t0;
    const now = performance.now();
    if (file.size + sink.size !== last) {
      last = file.size + sink.size;
      lastGrowth = now;
    } else if (now - lastGrowth > quietMs) return now - t0;
    await sleep(100);
  }
}

/** Restarts a stopped shipper (same ports and directory) and waits until its syslog TCP port accepts. */
export async function restartShipper(shipper: ShipperUnderTest): Promise<void> {
  shipper.proc.output = '';
  shipper.proc.start();
  const accepts = () =>
    new Promise<boolean>((r) => {
      const s = connect(shipper.ports.tcp, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
  await waitFor(accepts, { intervalMs: 5, what: 'the restarted log-shipper accepting syslog TCP' });
}

/** One outage round's outcome: per output, requests missing and seen twice; ms from restart to both complete. */
export interface RoundResult {
  prefix: string;
  sent: number;
  file: ReturnType<typeof deliveryReport>;
  sink: ReturnType<typeof deliveryReport>;
  drainMs: number;
}

async function settle(shipper: ShipperUnderTest, collector: HttpCollector, prefix: string, sent: number, restartedAt: number): Promise<RoundResult> {
  await waitDelivered(shipper, collector, prefix, sent);
  const drainMs = Math.round(performance.now() - restartedAt);
  const { file, sink } = await deliveredCounts(shipper, collector, prefix);
  return { prefix: prefix.slice(0, 8), sent, file: deliveryReport(file, sent), sink: deliveryReport(sink, sent), drainMs };
}

/** Requests per second of an unthrottled round (the client's 32 connections set the pace). */
const BURST = 100_000;

/**
 * Issue 10.1 restart round: SIGTERM the shipper, `away` requests while it is gone,
 * restart it, `after` more at once (while HAProxy has not reconnected yet), then wait
 * until both outputs are complete or stop growing.
 */
export async function sigtermRound(src: HaproxyLogSource, shipper: ShipperUnderTest, collector: HttpCollector, prefix: string, away = 3000, after = 3000): Promise<RoundResult> {
  await shipper.proc.stop('SIGTERM');
  await loadAtRate(src, prefix, away, BURST);
  await restartShipper(shipper);
  const restartedAt = performance.now();
  await loadAtRate(src, prefix, after, BURST, away);
  return settle(shipper, collector, prefix, away + after, restartedAt);
}

/**
 * A rate-limited client (`perSecond`) for `leadMs` + `outageMs` + `tailMs`; the shipper
 * is SIGTERMed after `leadMs` and started again `outageMs` after the signal.
 */
export async function outageRound(src: HaproxyLogSource, shipper: ShipperUnderTest, collector: HttpCollector, prefix: string, opts: { perSecond: number; leadMs: number; outageMs: number; tailMs: number }): Promise<RoundResult> {
  const sent = Math.round(((opts.leadMs + opts.outageMs + opts.tailMs) * opts.perSecond) / 1000);
  const traffic = loadAtRate(src, prefix, sent, opts.perSecond);
  await sleep(opts.leadMs);
  const signalled = performance.now();
  await shipper.proc.stop('SIGTERM');
  await sleep(opts.outageMs - (performance.now() - signalled));
  await restartShipper(shipper);
  const restartedAt = performance.now();
  await traffic;
  return settle(shipper, collector, prefix, sent, restartedAt);
}

/** Kernel state of the established connections to `port`, see {@link socketQueues}. */
export interface SocketQueues {
  /** Bytes received by the listener (the shipper) and not yet read by it. */
  recvQ: number;
  /** Bytes the senders (HAProxy) wrote that the listener's kernel has not taken yet. */
  sendQ: number;
  /** The listener's socket receive buffer (`skmem` rb): how far `recvQ` can grow. */
  rcvbuf: number;
}

/** {@link SocketQueues} of loopback connections to `port`, from `ss`: what a SIGKILL of the listener throws away besides its memory. */
export async function socketQueues(port: number): Promise<SocketQueues> {
  const rows = async (filter: string) =>
    (await promisify(execFile)('ss', ['-tmnH', 'state', 'established', filter])).stdout
      .split(/\n(?=\d)/) // `-m` puts each connection's skmem on an indented line of its own
      .filter((l) => /^\d/.test(l))
      .map((l) => ({ q: l.trim().split(/\s+/).slice(0, 2).map(Number) as [number, number], rb: Number(/\brb(\d+)/.exec(l)?.[1] ?? 0) }));
  const listener = await rows(`( sport = :${port} )`);
  const senders = await rows(`( dport = :${port} )`);
  return {
    recvQ: listener.reduce((a, r) => a + r.q[0], 0),
    sendQ: senders.reduce((a, r) => a + r.q[1], 0),
    rcvbuf: Math.max(0, ...listener.map((r) => r.rb)),
  };
}

/** What sat between HAProxy and the outputs just before a SIGKILL: kernel queues and the HTTP sink's buffer. */
export type QueuedAtKill = SocketQueues & { sinkBuffer: number };

/**
 * Traffic at `perSecond` for `durationMs`; the shipper is SIGKILLed after `killAfterMs`
 * and restarted at once. `queuedAtKill`: sampled just before the kill.
 */
export async function sigkillRound(src: HaproxyLogSource, shipper: ShipperUnderTest, collector: HttpCollector, prefix: string, opts: { perSecond: number; durationMs: number; killAfterMs: number }): Promise<RoundResult & { queuedAtKill: QueuedAtKill }> {
  const sent = Math.round((opts.durationMs * opts.perSecond) / 1000);
  const traffic = loadAtRate(src, prefix, sent, opts.perSecond);
  await sleep(opts.killAfterMs);
  const sinkBuffer = (await shipper.metric('log_shipper_sink_buffer_bytes', { sink: 'http' })) || 0;
  const queuedAtKill = { ...(await socketQueues(shipper.ports.tcp)), sinkBuffer };
  await shipper.proc.stop('SIGKILL');
  await restartShipper(shipper);
  const restartedAt = performance.now();
  await traffic;
  return { ...(await settle(shipper, collector, prefix, sent, restartedAt)), queuedAtKill };
}

/** Bytes log-shipper reads from a socket at a time (libuv's read buffer): lines it holds in memory at most, per connection. */
export const SHIPPER_READ_BYTES = 64 * 1024;
/** HAProxy's buffer between its ring and the connection (`tune.bufsize`, default 16 KiB): marked sent once copied there. */
export const HAPROXY_BUFFER_BYTES = 16 * 1024;

/**
 * The most lines a SIGKILL of the shipper can lose (log-shipper README, "Delivery
 * guarantees"): what HAProxy had handed over and the shipper had not yet written,
 * i.e. HAProxy's buffer + its socket's unsent bytes + the shipper socket's receive
 * buffer + one read in the shipper's hands. The HTTP sink also loses its buffer (not
 * yet accepted by the collector: sampled, and a record is longer than its line) plus
 * what entered it between the sample and the kill (`batchWaitMs` of lines, twice).
 */
export function sigkillBound(q: QueuedAtKill, minLineBytes: number, perSecond: number, batchWaitMs: number): { file: number; sink: number } {
  const file = Math.ceil((HAPROXY_BUFFER_BYTES + q.sendQ + Math.max(q.rcvbuf, q.recvQ) + SHIPPER_READ_BYTES) / minLineBytes);
  return { file, sink: file + Math.ceil(q.sinkBuffer / minLineBytes) + Math.ceil((2 * perSecond * batchWaitMs) / 1000) };
}
