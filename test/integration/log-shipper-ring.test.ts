import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogShipper, type ShipperUnderTest } from '../helpers/log-shipper.js';
import { waitFor } from '../helpers/ports.js';
import { countRequests, HaproxyLogSource, readAllLogLines } from '../helpers/syslog.js';

// Issue 10.1, shipper side: when HAProxy's ring overflows while the shipper is away,
// HAProxy keeps the oldest lines, drops the newer ones and announces how many
// ("N events dropped") just before the next line it logs. The shipper turns that into
// log_shipper_haproxy_dropped_messages_total, so every line is either delivered or counted.

const RING = 128 * 1024;
const SENT = 1500;
const CONCURRENCY = 8;

describe('log-shipper and an overflowing HAProxy ring', () => {
  let dir: string;
  let shipper: ShipperUnderTest;
  let haproxy: HaproxyLogSource;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-shipper-ring-'));
    shipper = await startLogShipper(dir);
    haproxy = await HaproxyLogSource.start({ syslogTcpPort: shipper.ports.tcp, ringBytes: RING });
  });

  afterAll(async () => {
    await haproxy?.stop();
    await shipper?.proc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers the oldest lines the ring kept and counts exactly the ones HAProxy dropped', async () => {
    const { proc, logDir } = shipper;
    expect(await proc.stop()).toBe(0);
    await haproxy.load('ring', SENT, CONCURRENCY); // far more than 128 KiB of log lines
    proc.start();
    await proc.waitForLog((l) => l.msg === 'receiving syslog');
    // The backlog arrives; then one more line makes HAProxy announce what it dropped.
    let kept = 0;
    await waitFor(
      async () => {
        const n = countRequests((await readAllLogLines(logDir)).lines, 'ring').size;
        const stable = n > 0 && n === kept;
        kept = n;
        return stable;
      },
      { what: 'the ring backlog delivered', intervalMs: 500 },
    );
    await haproxy.load('next', 1, 1);
    const dropped = await waitFor(
      async () => {
        const value = await shipper.metric('log_shipper_haproxy_dropped_messages_total');
        return value > 0 ? value : undefined;
      },
      { what: 'the dropped announcement counted' },
    );

    const counts = countRequests((await readAllLogLines(logDir)).lines, 'ring');
    expect(kept).toBeLessThan(SENT);
    // The oldest were kept, each once: requests 0 .. kept-1, give or take the ones in
    // flight when the ring filled (at most CONCURRENCY: HAProxy logs a request when it
    // ends, so a slow one can land after the cut and a later one before it). Counted as
    // the ids missing below the newest kept one (counting ids not at their sorted
    // position instead would count every id after one such gap).
    const ids = [...counts.keys()].sort((a, b) => a - b);
    expect(ids.filter((id) => id >= kept + CONCURRENCY), 'kept ids far past the oldest run').toEqual([]);
    const kepts = new Set(ids);
    const missingBelowNewest = Array.from({ length: (ids.at(-1) ?? -1) + 1 }, (_, id) => id).filter((id) => !kepts.has(id));
    expect(missingBelowNewest.length, `ids missing below the newest kept one: ${missingBelowNewest.join(',')}`).toBeLessThanOrEqual(CONCURRENCY);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Nothing unaccounted for.
    expect(kept + dropped).toBe(SENT);
  });
});
