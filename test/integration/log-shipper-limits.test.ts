import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText } from '../helpers/component.js';
import { startLogShipper, type ShipperUnderTest } from '../helpers/log-shipper.js';
import { metricValue } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/ports.js';
import { countRequests, HaproxyLogSource, readAllLogLines } from '../helpers/syslog.js';

// Issue 9.8: idle syslog TCP connections are capped and closed, so a flood of them
// cannot exhaust descriptors (rotation and the state file need some) or lock
// HAProxy's ring out.

const CAP = 64;
const IDLE_MS = 3000;
const FLOOD = 2000;
const REQUESTS = 1500;

/** Opens `count` TCP connections that never send, `parallel` connects at a time; tracks which are still open. */
async function flood(port: number, count: number, parallel: number, open: Set<Socket>): Promise<number> {
  let refused = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (open.add(s), resolve()));
      s.once('error', () => (refused++, resolve()));
      s.once('close', () => open.delete(s));
      s.on('end', () => s.destroy());
    });
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < count) await one();
    }),
  );
  return refused;
}

describe('log-shipper TCP connection limits', () => {
  let dir: string;
  let logDir: string;
  let shipper: ShipperUnderTest;
  let haproxy: HaproxyLogSource;
  let metricsUrl: string;
  const clients = new Set<Socket>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-shipper-limits-'));
    shipper = await startLogShipper(dir, {
      SYSLOG_TCP_IDLE_TIMEOUT_MS: String(IDLE_MS),
      LOG_ROTATE_MAX_BYTES: String(64 * 1024),
      LOG_ROTATE_KEEP: '100',
      LOG_ROTATE_GZIP_LEVEL: '1',
    });
    logDir = shipper.logDir;
    metricsUrl = `http://127.0.0.1:${shipper.ports.metrics}/metrics`;
    haproxy = await HaproxyLogSource.start({ syslogTcpPort: shipper.ports.tcp });
  });

  afterAll(async () => {
    for (const s of clients) s.destroy();
    await haproxy?.stop();
    await shipper?.proc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`keeps at most ${CAP} of ${FLOOD} idle connections, closes old and idle ones, and still logs, rotates and writes state`, async () => {
    const port = shipper.ports.tcp;
    const statePath = join(dir, 'shared', 'state', 'log-shipper.json');
    const stateBefore = JSON.parse(await readFile(statePath, 'utf8')) as { lastSuccessAt: string };

    // Watch the shipper's own gauge the whole time.
    let maxOpen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const open = metricValue((await getText(metricsUrl).catch(() => ({ body: '' }))).body, 'log_shipper_tcp_connections');
        if (!Number.isNaN(open)) maxOpen = Math.max(maxOpen, open);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {

    // The flood and real HAProxy traffic at the same time.
    const load = haproxy.load('limits', REQUESTS, 4);
    const refused = await flood(port, FLOOD, 50, clients);
    await load;

    // Old connections were closed as new ones came: what the flood still holds fits the cap.
    await waitFor(() => clients.size <= CAP, { what: `flood connections down to the cap (open: ${clients.size})`, timeoutMs: 5000 });
    expect(refused).toBe(0); // newcomers are never refused: the oldest idle one makes room
    const afterFlood = (await getText(metricsUrl)).body;
    expect(metricValue(afterFlood, 'log_shipper_tcp_connections_closed_total', { reason: 'evicted' })).toBeGreaterThanOrEqual(FLOOD - CAP);
    expect(metricValue(afterFlood, 'log_shipper_tcp_connections_limit')).toBe(CAP);

    // Every request HAProxy logged during the flood arrived, exactly once.
    const counts = await waitFor(
      async () => {
        const c = countRequests((await readAllLogLines(logDir)).lines, 'limits');
        return c.size === REQUESTS ? c : undefined;
      },
      { what: `${REQUESTS} requests in the log files`, timeoutMs: 30_000 },
    );
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);

    // Rotation kept working: rotated files exist and were counted.
    const rotated = (await readdir(logDir)).filter((f) => /^haproxy\.log\.\d+(\.gz)?$/.test(f));
    expect(rotated.length).toBeGreaterThan(0);
    expect(metricValue(afterFlood, 'log_shipper_file_rotations_total')).toBeGreaterThan(0);

    // The idle ones left are closed after SYSLOG_TCP_IDLE_TIMEOUT_MS.
    await waitFor(() => clients.size === 0, { what: `idle flood connections closed (open: ${clients.size})`, timeoutMs: IDLE_MS + 5000 });
    const afterIdle = (await getText(metricsUrl)).body;
    expect(metricValue(afterIdle, 'log_shipper_tcp_connections_closed_total', { reason: 'idle' })).toBeGreaterThan(0);

    // HAProxy still gets through afterwards (its ring reconnects when it was evicted).
    await haproxy.load('after', 50, 2);
    await waitFor(async () => countRequests((await readAllLogLines(logDir)).lines, 'after').size === 50, { what: 'requests after the flood logged' });

    } finally {
      sampling = false;
      await sampler;
    }
    expect(maxOpen).toBeLessThanOrEqual(CAP);
    expect(maxOpen).toBeGreaterThan(CAP / 2); // the sampler did see the flood

    // The state file is still written (every 5 s) and counts the closes.
    const state = await waitFor(
      async () => {
        const s = JSON.parse(await readFile(statePath, 'utf8')) as { lastSuccessAt: string; counters: Record<string, number> };
        return s.lastSuccessAt > stateBefore.lastSuccessAt && (s.counters.tcpClosed_idle ?? 0) > 0 ? s : undefined;
      },
      { what: 'a fresh state file', timeoutMs: 12_000 },
    );
    expect(state.counters.tcpClosed_evicted).toBeGreaterThanOrEqual(FLOOD - CAP);
    expect(shipper.proc.running).toBe(true);
  });
});
