import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { HttpCollector } from '../helpers/http-collector.js';
import { freePorts, waitFor } from '../helpers/ports.js';
import { countRequests, HaproxyLogSource } from '../helpers/syslog.js';

/** Sends raw bytes on one TCP connection and closes it. */
function sendTcp(port: number, ...chunks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      for (const c of chunks) s.write(c);
      s.end();
    });
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}

function sendUdp(port: number, msg: Buffer): Promise<void> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => s.send(msg, port, '127.0.0.1', (err) => (s.close(), err ? reject(err) : resolve())));
}

function metric(body: string, name: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

describe('log-shipper with real HAProxy', () => {
  let dir: string;
  let shipper: ComponentProcess;
  let haproxy: HaproxyLogSource;
  let collector: HttpCollector;
  let ports: { tcp: number; udp: number; metrics: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-shipper-'));
    const [tcp, udp, metrics, sink] = (await freePorts(4)) as [number, number, number, number];
    ports = { tcp, udp, metrics };
    collector = await new HttpCollector(sink).start();
    shipper = new ComponentProcess('log-shipper', {
      SHARED_DIR: join(dir, 'shared'),
      LOG_DIR: join(dir, 'logs'),
      METRICS_ADDR: `127.0.0.1:${metrics}`,
      SYSLOG_TCP_ADDR: `127.0.0.1:${tcp}`,
      SYSLOG_UDP_ADDR: `127.0.0.1:${udp}`,
      SYSLOG_MAX_MESSAGE_BYTES: '65536',
      SINK_STDOUT: 'true',
      SINK_HTTP_URL: collector.url,
      SINK_HTTP_BATCH_WAIT_MS: '100',
    }).start();
    await shipper.waitForLog((l) => l.msg === 'receiving syslog');
    haproxy = await HaproxyLogSource.start({ syslogTcpPort: tcp, syslogUdpPort: udp });
  });

  afterAll(async () => {
    await haproxy?.stop();
    await shipper?.stop();
    await collector?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts requests through HAProxy, parsed, into the host file, stdout and the HTTP sink', async () => {
    await haproxy.load('e2e', 20, 4);
    await new Promise<void>((resolve, reject) => {
      const s = connect(haproxy.tcpPort, '127.0.0.1', () => s.end('GET /via-tcp HTTP/1.0\r\n\r\n'));
      s.on('data', () => undefined).on('close', () => resolve()).on('error', reject);
    });

    // The file: every request once from the ring (RFC 5424) and once over UDP (RFC 3164).
    const file = join(dir, 'logs', 'haproxy.log');
    const lines = await waitFor(
      async () => {
        const all = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
        const ring = countRequests(all, 'e2e');
        const udp = all.filter((l) => /^<\d+>[A-Z][a-z]{2} /.test(l) && l.includes('"GET /e2e/'));
        const tcplog = all.filter((l) => l.includes(' rawtcp rawtcp/node1 '));
        return ring.size === 20 && udp.length === 20 && tcplog.length === 2 ? all : undefined;
      },
      { what: 'e2e lines in haproxy.log' },
    );
    expect([...countRequests(lines, 'e2e').values()].every((n) => n === 1)).toBe(true);
    expect(lines.find((l) => l.includes('"GET /e2e/3 '))).toMatch(
      /^<134>(1 \S+ - haproxy \d+ - - |[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d haproxy\[\d+\]: )127\.0\.0\.1:\d+ \[[^\]]+\] web app\/node1 \d+\/\d+\/\d+\/\d+\/\d+ 200 \d+ - - ---- /,
    );

    // stdout and the HTTP collector: the same parsed records.
    const expected = {
      source: 'haproxy', kind: 'http', frontend: 'web', backend: 'app', server: 'node1', status: 200, method: 'GET', uri: '/e2e/7',
      httpVersion: 'HTTP/1.1', requestHeaders: [`127.0.0.1:${haproxy.httpPort}`], responseHeaders: ['node'], facility: 'local0', appName: 'haproxy',
    };
    const fromStdout = await waitFor(() => shipper.logs().filter((r) => r.source === 'haproxy' && r.uri === '/e2e/7'), { what: 'stdout records' }).then((r) => (r.length === 2 ? r : undefined));
    expect(fromStdout?.map((r) => r.transport).sort()).toEqual(['tcp', 'udp']);
    for (const r of fromStdout!) expect(r).toMatchObject(expected);
    const fromSink = await waitFor(() => {
      const found = collector.records.filter((r) => r.uri === '/e2e/7');
      return found.length === 2 ? found : undefined;
    }, { what: 'records in the HTTP collector' });
    for (const r of fromSink) expect(r).toMatchObject(expected);
    expect(typeof fromSink[0]!.tq).toBe('number');
    expect(fromSink[0]!.terminationState).toBe('----');
    const tcpRecord = await waitFor(() => collector.records.find((r) => r.kind === 'tcp' && r.transport === 'tcp'), { what: 'tcplog record' });
    expect(tcpRecord).toMatchObject({ frontend: 'rawtcp', backend: 'rawtcp', server: 'node1', terminationState: '--' });

    const body = (await getText(`http://127.0.0.1:${ports.metrics}/metrics`)).body;
    expect(metric(body, 'log_shipper_parsed_lines_total{kind="http"}')).toBeGreaterThanOrEqual(40);
    expect(metric(body, 'log_shipper_received_lines_total{transport="udp"}')).toBeGreaterThanOrEqual(22);
    expect(metric(body, 'log_shipper_udp_receive_buffer_bytes')).toBeGreaterThan(0);
  });

  it('survives garbage on both sockets, counts it and keeps it as raw lines', async () => {
    const before = (await getText(`http://127.0.0.1:${ports.metrics}/metrics`)).body;
    const big = Buffer.alloc(1024 * 1024, 0x61); // a 1 MB line
    await sendTcp(ports.tcp, Buffer.from('garbage-no-priority\n'), Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0x80, 0x0a]), Buffer.from('<999>wrong priority\n'), Buffer.concat([Buffer.from('<13>big '), big, Buffer.from('\n')]), Buffer.from('\x00\x01\x02\x03binary\n'));
    await sendTcp(ports.tcp, Buffer.from('40 <13>truncated by the closed connection'));
    await sendUdp(ports.udp, Buffer.from([0xc3, 0x28, 0x41, 0x0a]));
    await sendUdp(ports.udp, Buffer.from('<13>Nov 23 22:00:00 app: fine\n'));
    await haproxy.get('/after-garbage');

    const file = join(dir, 'logs', 'haproxy.log');
    const text = await waitFor(async () => {
      const t = await readFile(file, 'utf8');
      return t.includes('"GET /after-garbage ') && t.includes('truncated by the closed') && t.includes('app: fine') ? t : undefined;
    }, { what: 'garbage and a good request in haproxy.log' });
    const lines = text.split('\n');
    expect(lines).toContain('garbage-no-priority');
    expect(lines).toContain('<13>\uFFFD\uFFFD\uFFFD');
    expect(lines).toContain('<999>wrong priority');
    expect(lines).toContain('\uFFFD(A');
    expect(lines).toContain('\x01\x02\x03binary'); // a NUL between frames is a separator (some senders end frames with it)
    expect(lines.find((l) => l.startsWith('<13>big '))?.length).toBe(65536); // cut at SYSLOG_MAX_MESSAGE_BYTES, kept
    expect(lines).toContain('<13>truncated by the closed connection');
    expect(shipper.running).toBe(true);

    const after = (await getText(`http://127.0.0.1:${ports.metrics}/metrics`)).body;
    const delta = (name: string) => metric(after, name) - metric(before, name);
    expect(delta('log_shipper_parsed_lines_total{kind="raw"}')).toBe(4); // no PRI, <999>, binary, invalid UTF-8 datagram
    expect(delta('log_shipper_truncated_lines_total{transport="tcp"}')).toBe(2); // the 1 MB line and the cut frame
    await waitFor(() => collector.records.some((r) => r.uri === '/after-garbage'), { what: 'sink still delivering' });
    expect(collector.records.filter((r) => r.kind === 'raw').map((r) => r.message)).toEqual(expect.arrayContaining(['garbage-no-priority', '<999>wrong priority']));
  });

  it('serves promtool-clean metrics and a state file', async () => {
    const { body } = await getText(`http://127.0.0.1:${ports.metrics}/metrics`);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    // Only our own families: Node's default collectors (core) are outside this package.
    const findings = `${check.stdout}${check.stderr}`.split('\n').filter((l) => l.startsWith('log_shipper'));
    expect(findings).toEqual([]);
    expect(body).toContain('log_shipper_file_written_lines_total');
    const state = await waitFor(async () => {
      const s = JSON.parse(await readFile(join(dir, 'shared', 'state', 'log-shipper.json'), 'utf8')) as { status: string; counters: Record<string, number> };
      return s.counters.receivedTcp ? s : undefined;
    }, { what: 'state file with counters', timeoutMs: 10_000 });
    expect(state.status).toBe('ok');
    expect(state.counters.raw).toBeGreaterThanOrEqual(4);
  });
});
