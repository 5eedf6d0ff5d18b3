#!/usr/bin/env node
import { describeError, packageVersion, runComponent, type ComponentContext, type ComponentHandle, type PipelineError } from '@api-server/core';
import { envPrefixes, envShape, type LogShipperEnv } from './config.js';
import { createMetrics, syncCounters } from './metrics.js';
import { LogFile } from './outputs/log-file.js';
import type { SinkEvents } from './outputs/sink.js';
import { createSinks } from './outputs/sinks.js';
import { emptyCounters, Shipper } from './shipper.js';
import { TcpSource } from './sources/tcp.js';
import { UdpDropCounter } from './sources/udp-drops.js';
import { UdpSource } from './sources/udp.js';

const TICK_MS = 1000;
const STATE_EVERY_TICKS = 5;

/** Wires sources -> shipper -> log file and sinks; returns readiness and graceful stop. */
async function start(ctx: ComponentContext<LogShipperEnv>): Promise<ComponentHandle> {
  const { env, log, state } = ctx;
  let syncMetrics = () => {};
  const m = createMetrics(ctx.registry, () => syncMetrics());
  const pressure = new Set<string>();
  let tcp: TcpSource | undefined;
  const setPressure = (who: string, high: boolean) => {
    high ? pressure.add(who) : pressure.delete(who);
    const paused = pressure.size > 0;
    if (tcp && tcp.isPaused !== paused) {
      tcp.pause(paused);
      m.paused.set(paused ? 1 : 0);
      log.info({ paused, by: [...pressure] }, paused ? 'backpressure: pausing syslog TCP input' : 'backpressure released');
    }
  };
  let lastProblem: { at: number; err: unknown } | undefined;
  const problem = (err: unknown) => (lastProblem = { at: Date.now(), err });

  const file = new LogFile({
    dir: env.LOG_DIR,
    name: 'haproxy.log',
    maxBytes: env.LOG_ROTATE_MAX_BYTES,
    maxAgeMs: env.LOG_ROTATE_MAX_AGE_SECONDS * 1000,
    keep: env.LOG_ROTATE_KEEP,
    keepDays: env.LOG_ROTATE_KEEP_DAYS,
    gzipLevel: env.LOG_ROTATE_GZIP_LEVEL,
    events: {
      written: (bytes, lines) => (m.fileBytes.inc(bytes), m.fileLines.inc(lines)),
      rotated: (reason, deleted) => {
        m.rotations.inc({ reason });
        m.rotatedDeleted.inc(deleted);
        state.count('rotations');
        log.info({ reason, deleted }, 'rotated haproxy.log');
      },
      diskFull: (lines) => {
        m.diskFull.inc();
        m.fileDropped.inc({ reason: 'disk_full' }, lines);
        state.count('diskFullErrors');
        problem(new Error(`disk full: ${lines} lines not written to ${file.path}`));
      },
      error: (err: PipelineError, lines) => {
        m.fileErrors.inc({ code: err.code });
        if (lines > 0) m.fileDropped.inc({ reason: 'error' }, lines);
        log.error({ err }, 'log file error');
        problem(err);
      },
      pressure: (high) => setPressure('file', high),
    },
  });
  await file.open();

  const sinkEvents = (name: string): SinkEvents => ({
    sent: (records, bytes) => (m.sinkSent.inc({ sink: name }, records), m.sinkSentBytes.inc({ sink: name }, bytes)),
    dropped: (records, reason) => {
      m.sinkDropped.inc({ sink: name, reason }, records);
      state.count(`sink_${name}_dropped`, records);
    },
    retried: (err, attempt, delayMs) => {
      m.sinkRetries.inc({ sink: name });
      problem(err);
      if (attempt === 1 || attempt % 10 === 0) log.warn({ err, sink: name, attempt, delayMs }, 'sink delivery failed, retrying');
    },
    pressure: (high) => setPressure(`sink:${name}`, high),
  });
  const sinks = createSinks(env, sinkEvents);
  if (env.SINK_HTTP_URL) m.sinkBufferLimit.set({ sink: 'http' }, env.SINK_HTTP_BUFFER_BYTES);

  const shipper = new Shipper(file, sinks);
  const synced = emptyCounters();
  syncMetrics = () => syncCounters(shipper.counters, synced, m, sinks, file.sizeBytes);

  tcp = new TcpSource({
    address: env.SYSLOG_TCP_ADDR,
    maxFrameBytes: env.SYSLOG_MAX_MESSAGE_BYTES,
    maxConnections: env.SYSLOG_TCP_MAX_CONNECTIONS,
    idleTimeoutMs: env.SYSLOG_TCP_IDLE_TIMEOUT_MS,
    events: {
      frame: shipper.tcpFrame,
      chunk: (bytes) => (shipper.counters.bytes.tcp += bytes),
      connections: (n) => m.tcpConnections.set(n),
      closed: (reason) => {
        m.tcpClosed.inc({ reason });
        state.count(`tcpClosed_${reason}`);
      },
      error: (err) => log.debug({ err }, 'syslog TCP connection error'),
    },
  });
  const udp = new UdpSource({
    address: env.SYSLOG_UDP_ADDR,
    recvBufferBytes: env.SYSLOG_UDP_RECV_BUFFER_BYTES,
    events: { datagram: shipper.udpDatagram, error: (err) => log.warn({ err }, 'syslog UDP socket error') },
  });
  m.tcpConnectionsLimit.set(env.SYSLOG_TCP_MAX_CONNECTIONS);
  for (const reason of ['idle', 'evicted'] as const) m.tcpClosed.inc({ reason }, 0);
  const tcpPort = await tcp.listen();
  const udpBound = await udp.bind();
  m.udpRecvBuffer.set(udpBound.recvBufferBytes);
  log.info({ tcp: `${env.SYSLOG_TCP_ADDR.host}:${tcpPort}`, udp: `${env.SYSLOG_UDP_ADDR.host}:${udpBound.port}`, udpRecvBufferBytes: udpBound.recvBufferBytes, logFile: file.path, sinks: sinks.map((s) => s.name) }, 'receiving syslog');

  const udpDrops = new UdpDropCounter(env.SYSLOG_UDP_ADDR.host, udpBound.port, (n) => m.udpKernelDrops.inc(n));
  let ticks = 0;
  const timer = setInterval(() => {
    ctx.beat();
    void file.tick();
    void udpDrops.poll();
    if (++ticks % STATE_EVERY_TICKS === 0) void writeState();
  }, TICK_MS);

  const writeState = async () => {
    syncMetrics();
    const c = shipper.counters;
    Object.assign(state.state.counters, {
      receivedTcp: c.lines.tcp,
      receivedUdp: c.lines.udp,
      parsed: c.kinds.http + c.kinds.tcp + c.kinds.other,
      raw: c.kinds.raw,
      truncated: c.truncated.tcp + c.truncated.udp,
      udpKernelDrops: udpDrops.seen,
      haproxyDropped: c.ringDropped,
    });
    const extra = { logFile: file.path, logFileBytes: file.sizeBytes, inputPaused: pressure.size > 0, sinkBufferBytes: Object.fromEntries(sinks.map((s) => [s.name, s.bufferedBytes])) };
    const recent = lastProblem && Date.now() - lastProblem.at < STATE_EVERY_TICKS * TICK_MS * 2;
    await (recent ? state.failure(lastProblem!.err, extra) : state.success(file.path, extra)).catch((err: unknown) => log.warn({ err: describeError(err) }, 'state file not written'));
  };
  await state.success(file.path);

  return {
    ready: () => null,
    stop: async () => {
      clearInterval(timer);
      await tcp.close(3000);
      await udp.close();
      await file.close();
      await Promise.all(sinks.map((s) => s.stop(5000)));
      await writeState();
    },
  };
}

await runComponent({
  component: 'log-shipper',
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: ':9704',
  env: envShape,
  envPrefixes,
  maxSilenceMs: 30_000,
  start,
});
