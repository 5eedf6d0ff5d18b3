import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentProcess } from '../helpers/component.js';
import { startLogShipper } from '../helpers/log-shipper.js';
import { waitFor } from '../helpers/ports.js';
import { countRequests, HaproxyLogSource, readAllLogLines } from '../helpers/syslog.js';

const TOTAL = 3000;
const MAX_BYTES = 32 * 1024;

describe('log-shipper rotation under load', () => {
  let dir: string;
  let logDir: string;
  let shipper: ComponentProcess;
  let haproxy: HaproxyLogSource;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-shipper-rot-'));
    const started = await startLogShipper(dir, { LOG_ROTATE_MAX_BYTES: String(MAX_BYTES), LOG_ROTATE_KEEP: '1000', LOG_ROTATE_GZIP_LEVEL: '1' });
    ({ proc: shipper, logDir } = started);
    haproxy = await HaproxyLogSource.start({ syslogTcpPort: started.ports.tcp });
  });

  afterAll(async () => {
    await haproxy?.stop();
    await shipper?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds every line exactly once across live and rotated files, across a restart', async () => {
    const load = haproxy.load('rot', TOTAL, 8);
    // Restart the shipper in the middle of the load: HAProxy's ring holds what it cannot send.
    await waitFor(async () => countRequests((await readAllLogLines(logDir)).lines, 'rot').size >= TOTAL / 3, { what: 'a third of the load written' });
    expect(await shipper.stop()).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    shipper.start();
    await load;

    const { files, lines } = await waitFor(
      async () => {
        const all = await readAllLogLines(logDir);
        const plainLeft = all.files.includes('haproxy.log.1');
        return countRequests(all.lines, 'rot').size === TOTAL && !plainLeft ? all : undefined;
      },
      { what: 'all requests in the log files', timeoutMs: 30_000 },
    );
    const counts = countRequests(lines, 'rot');
    const dupes = [...counts].filter(([, n]) => n !== 1);
    expect(dupes).toEqual([]);
    expect(counts.size).toBe(TOTAL);

    const rotated = files.filter((f) => /^haproxy\.log\.\d+\.gz$/.test(f));
    // At most one rotation runs at a time (the next waits for `.1` to be gzipped), so
    // under load files grow past MAX_BYTES and there are fewer than TOTAL*line/MAX_BYTES.
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    // Numbering is contiguous from .1 (newest); no temp files remain.
    const numbers = rotated.map((f) => Number(f.split('.')[2])).sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(shipper.logs().filter((l) => l.msg === 'rotated haproxy.log').length).toBeGreaterThan(0);
  });
});
