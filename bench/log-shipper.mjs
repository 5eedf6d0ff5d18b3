#!/usr/bin/env node
// Benchmark (not a test) of log-shipper: HAProxy log lines per second through
// receive + parse + file write on TCP (octet-counted, as an HAProxy ring sends), with
// a zero-loss check, CPU seconds and peak RSS; then the UDP rate at which the first
// datagram is lost. Run after `npx tsc -b packages/log-shipper`:
//   node bench/log-shipper.mjs [--lines 500000]
// Prints a table and writes bench/results/log-shipper.json.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const argLines = process.argv.indexOf('--lines');
const N = argLines > 0 ? Number(process.argv[argLines + 1]) : 500_000;
const UDP_RATES = [10_000, 25_000, 50_000, 100_000, 200_000, 400_000];

const freePort = () =>
  new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function httplogLine(i, rfc5424) {
  const msg = `10.1.${(i >> 8) & 255}.${i & 255}:${10000 + (i % 50000)} [23/Nov/2026:22:14:17.${String(i % 1000).padStart(3, '0')}] web~ app_${i % 20}/node${i % 7} 0/0/1/${i % 90}/${(i % 90) + 1} ${i % 17 ? 200 : 503} ${1000 + (i % 5000)} - - ---- 12/12/3/1/0 0/0 {api.example.com|Mozilla/5.0} {text/html} "GET /api/v1/items/${i}?q=${i % 13} HTTP/1.1"`;
  return rfc5424 ? `<134>1 2026-11-23T22:14:17.098245+00:00 - haproxy 6981 - - ${msg}` : `<134>Nov 23 22:14:17 haproxy[6981]: ${msg}\n`;
}

async function metrics(url) {
  const body = await (await fetch(url)).text();
  const get = (name) => {
    const line = body.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  return get;
}

async function procStats(pid) {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-log-shipper-'));
const [tcpPort, udpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
const proc = spawn(process.execPath, [join(root, 'packages/log-shipper/dist/main.js')], {
  env: {
    PATH: process.env.PATH, SHARED_DIR: join(dir, 'shared'), LOG_DIR: join(dir, 'logs'), LOG_LEVEL: 'warn',
    METRICS_ADDR: `127.0.0.1:${metricsPort}`, SYSLOG_TCP_ADDR: `127.0.0.1:${tcpPort}`, SYSLOG_UDP_ADDR: `127.0.0.1:${udpPort}`,
    LOG_ROTATE_MAX_BYTES: String(1024 * 1024 * 1024),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  for (let i = 0; ; i++) {
    try { await metrics(metricsUrl); break; } catch { if (i > 100) throw new Error('log-shipper did not start'); await sleep(100); }
  }

  // --- TCP: parse + write throughput, zero loss ---
  const frames = [];
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const line = httplogLine(i, true);
    const f = `${Buffer.byteLength(line)} ${line}`;
    frames.push(f);
    bytes += f.length;
  }
  const chunks = [];
  for (let i = 0; i < frames.length; i += 2000) chunks.push(Buffer.from(frames.slice(i, i + 2000).join('')));
  const cpu0 = await procStats(proc.pid);
  const t0 = performance.now();
  const sock = connect(tcpPort, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  for (const c of chunks) if (!sock.write(c)) await new Promise((r) => sock.once('drain', r));
  let written = 0;
  while (written < N) {
    await sleep(20);
    written = (await metrics(metricsUrl))('log_shipper_file_written_lines_total');
    if (performance.now() - t0 > 120_000) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = await procStats(proc.pid);
  sock.end();
  const fileLines = (await readFile(join(dir, 'logs', 'haproxy.log'), 'utf8')).split('\n').length - 1;
  const get = await metrics(metricsUrl);
  const tcp = {
    lines: N,
    bytes,
    seconds: +seconds.toFixed(3),
    linesPerSecond: Math.round(N / seconds),
    cpuSeconds: +(cpu1.cpuSeconds - cpu0.cpuSeconds).toFixed(2),
    linesPerCpuSecond: Math.round(N / Math.max(0.01, cpu1.cpuSeconds - cpu0.cpuSeconds)),
    fileLines,
    lost: N - fileLines,
    parsedHttp: get('log_shipper_parsed_lines_total{kind="http"}'),
    peakRssMb: +cpu1.hwmMb.toFixed(1),
  };

  // --- UDP: rate of the first loss ---
  const udp = [];
  const sender = createSocket('udp4');
  const datagrams = Array.from({ length: 1000 }, (_, i) => Buffer.from(httplogLine(i, false)));
  let firstLossRate = null;
  for (const rate of UDP_RATES) {
    const before = await metrics(metricsUrl);
    const recv0 = before('log_shipper_received_lines_total{transport="udp"}');
    const drops0 = before('log_shipper_udp_kernel_drops_total');
    let sent = 0;
    let pending = 0;
    const start = performance.now();
    // 1 s paced in 1 ms slots.
    while (performance.now() - start < 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < due) {
        pending++;
        sender.send(datagrams[sent % 1000], udpPort, '127.0.0.1', () => pending--);
        sent++;
      }
      await new Promise((r) => setImmediate(r));
    }
    while (pending > 0) await sleep(1);
    const achieved = Math.round(sent / ((performance.now() - start) / 1000));
    await sleep(1500);
    const after = await metrics(metricsUrl);
    const received = after('log_shipper_received_lines_total{transport="udp"}') - recv0;
    const kernelDrops = after('log_shipper_udp_kernel_drops_total') - drops0;
    udp.push({ targetRate: rate, achievedSendRate: achieved, sent, received, lost: sent - received, kernelDrops });
    if (sent > received && firstLossRate === null) firstLossRate = rate;
  }
  sender.close();
  const final = await procStats(proc.pid);

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    tcp,
    udp,
    udpFirstLossRate: firstLossRate,
    peakRssMb: +final.hwmMb.toFixed(1),
    targets: { linesPerSecondPerCore: 50_000, rssMb: 150 },
  };
  console.log('\nlog-shipper benchmark (one process = one core)');
  console.table({
    'TCP lines/s (wall)': tcp.linesPerSecond,
    'TCP lines per CPU-second': tcp.linesPerCpuSecond,
    'TCP lines lost': tcp.lost,
    'peak RSS (MB)': result.peakRssMb,
  });
  console.table(udp);
  console.log(`UDP first loss at: ${firstLossRate === null ? `none up to ${UDP_RATES.at(-1)} lines/s` : `${firstLossRate} lines/s`}`);
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/log-shipper.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
