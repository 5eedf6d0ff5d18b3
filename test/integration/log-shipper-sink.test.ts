import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { HttpCollector } from '../helpers/http-collector.js';
import { freePorts, waitFor } from '../helpers/ports.js';
import { countRequests, HaproxyLogSource } from '../helpers/syslog.js';

function metric(body: string, name: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('log-shipper HTTP sink while the collector is down', () => {
  let dir: string;
  let shipper: ComponentProcess | undefined;
  let haproxy: HaproxyLogSource | undefined;
  let collector: HttpCollector;
  let metricsUrl: string;

  /** A shipper (TCP ring only) whose HTTP sink points at a collector that is not running yet. */
  async function start(sinkEnv: Record<string, string>) {
    dir = await mkdtemp(join(tmpdir(), 'log-shipper-sink-'));
    const [tcp, udp, metrics, sink] = (await freePorts(4)) as [number, number, number, number];
    metricsUrl = `http://127.0.0.1:${metrics}/metrics`;
    collector = new HttpCollector(sink);
    shipper = new ComponentProcess('log-shipper', {
      SHARED_DIR: join(dir, 'shared'),
      LOG_DIR: join(dir, 'logs'),
      LOG_LEVEL: 'info',
      METRICS_ADDR: `127.0.0.1:${metrics}`,
      SYSLOG_TCP_ADDR: `127.0.0.1:${tcp}`,
      SYSLOG_UDP_ADDR: `127.0.0.1:${udp}`,
      SINK_HTTP_URL: collector.url,
      SINK_HTTP_BATCH_WAIT_MS: '50',
      SINK_HTTP_RETRY_INITIAL_MS: '100',
      SINK_HTTP_RETRY_MAX_MS: '300',
      ...sinkEnv,
    }).start();
    await shipper.waitForLog((l) => l.msg === 'receiving syslog');
    haproxy = await HaproxyLogSource.start({ syslogTcpPort: tcp });
  }
  const metrics = async () => (await getText(metricsUrl)).body;
  const fileRequests = async () => countRequests((await readFile(join(dir, 'logs', 'haproxy.log'), 'utf8')).split('\n'), 'sink');

  beforeEach(() => {
    shipper = undefined;
    haproxy = undefined;
  });
  afterEach(async () => {
    await haproxy?.stop();
    await shipper?.stop();
    await collector?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('buffers up to the bound and delivers everything when the collector returns', async () => {
    await start({ SINK_HTTP_BUFFER_BYTES: String(4 * 1024 * 1024), SINK_HTTP_OVERFLOW: 'drop-newest' });
    await haproxy!.load('sink', 100, 4);
    await waitFor(async () => (await fileRequests()).size === 100, { what: 'lines in the file' });
    // The lines reach the file at once; the sink's first (failing) batch follows a moment later.
    const down = await waitFor(async () => {
      const body = await metrics();
      return metric(body, 'log_shipper_sink_retries_total{sink="http"}') > 0 ? body : undefined;
    }, { what: 'a failed delivery attempt' });
    expect(metric(down, 'log_shipper_sink_buffer_bytes{sink="http"}')).toBeGreaterThan(0);
    expect(collector.records.length).toBe(0);

    await collector.start();
    await waitFor(() => collector.records.filter((r) => String(r.uri).startsWith('/sink/')).length >= 100, { what: 'records delivered after the collector came back' });
    const uris = collector.records.map((r) => r.uri).filter((u) => String(u).startsWith('/sink/'));
    expect(new Set(uris).size).toBe(100);
    expect(uris.length).toBe(100);
    const up = await metrics();
    expect(metric(up, 'log_shipper_sink_dropped_records_total{sink="http",reason="buffer_full"}')).toBe(0);
    expect(metric(up, 'log_shipper_sink_buffer_bytes{sink="http"}')).toBe(0);
  });

  it('beyond the bound (drop-newest) counts every dropped record', async () => {
    // About 10 records fit in 8 KiB.
    await start({ SINK_HTTP_BUFFER_BYTES: '8192', SINK_HTTP_OVERFLOW: 'drop-newest' });
    await haproxy!.load('sink', 200, 4);
    await waitFor(async () => (await fileRequests()).size === 200, { what: 'every line in the file despite the full sink' });
    // Every line of the file was offered to the sink (the readiness probe's request too).
    const total = (await readFile(join(dir, 'logs', 'haproxy.log'), 'utf8')).split('\n').filter(Boolean).length;
    await collector.start();
    const sent = await waitFor(async () => {
      const body = await metrics();
      const dropped = metric(body, 'log_shipper_sink_dropped_records_total{sink="http",reason="buffer_full"}');
      const delivered = collector.records.length;
      return dropped + delivered >= total && metric(body, 'log_shipper_sink_buffer_bytes{sink="http"}') === 0 ? { dropped, delivered } : undefined;
    }, { what: 'delivered + dropped = sent' });
    expect(sent.dropped + sent.delivered).toBe(total);
    expect(sent.dropped).toBeGreaterThan(150);
    expect(sent.delivered).toBeGreaterThan(0);
    // drop-newest: what was delivered is exactly the oldest records, in arrival (file) order.
    const fileOrder = (await readFile(join(dir, 'logs', 'haproxy.log'), 'utf8')).split('\n').filter(Boolean).map((l) => /"GET (\S+) /.exec(l)?.[1]);
    expect(collector.records.map((r) => r.uri)).toEqual(fileOrder.slice(0, sent.delivered));
  });

  it('with block, pauses the input (HAProxy holds the backlog) and loses nothing', async () => {
    await start({ SINK_HTTP_BUFFER_BYTES: '8192', SINK_HTTP_OVERFLOW: 'block' });
    await haproxy!.load('sink', 200, 4);
    await waitFor(async () => metric(await metrics(), 'log_shipper_input_paused') === 1, { what: 'input paused' });
    expect((await fileRequests()).size).toBeLessThan(200);
    await collector.start();
    const sinkUris = () => collector.records.map((r) => String(r.uri)).filter((u) => u.startsWith('/sink/'));
    await waitFor(() => sinkUris().length >= 200, { what: 'all 200 records delivered', timeoutMs: 30_000 });
    expect(new Set(sinkUris()).size).toBe(200);
    expect(sinkUris().length).toBe(200);
    expect((await fileRequests()).size).toBe(200);
    expect(metric(await metrics(), 'log_shipper_sink_dropped_records_total{sink="http",reason="buffer_full"}')).toBe(0);
  });
});
