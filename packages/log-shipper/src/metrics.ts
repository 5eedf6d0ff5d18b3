import { Counter, Gauge, type Registry } from 'prom-client';
import type { Sink } from './outputs/sink.js';
import type { ShipperCounters } from './shipper.js';

/** Every metric of log-shipper, names checked by `promtool check metrics`. */
export function createMetrics(registry: Registry, onScrape: () => void = () => undefined) {
  const registers = [registry];
  return {
    // Registered first, so its collect hook syncs the hot-path counters before the others are read.
    receivedLines: new Counter({ name: 'log_shipper_received_lines_total', help: 'Syslog messages received, by transport.', labelNames: ['transport'] as const, registers, collect: () => onScrape() }),
    receivedBytes: new Counter({ name: 'log_shipper_received_bytes_total', help: 'Syslog bytes received (framing included for TCP), by transport.', labelNames: ['transport'] as const, registers }),
    truncated: new Counter({ name: 'log_shipper_truncated_lines_total', help: 'Messages cut at SYSLOG_MAX_MESSAGE_BYTES or by a closed connection, kept as far as received.', labelNames: ['transport'] as const, registers }),
    parsed: new Counter({ name: 'log_shipper_parsed_lines_total', help: 'Lines by what the parser made of them: http, tcp, other (valid syslog, other HAProxy message) or raw (no valid syslog header, kept whole).', labelNames: ['kind'] as const, registers }),
    tcpConnections: new Gauge({ name: 'log_shipper_tcp_connections', help: 'Open syslog TCP connections.', registers }),
    tcpConnectionsLimit: new Gauge({ name: 'log_shipper_tcp_connections_limit', help: 'SYSLOG_TCP_MAX_CONNECTIONS: open syslog TCP connections at most.', registers }),
    tcpClosed: new Counter({ name: 'log_shipper_tcp_connections_closed_total', help: 'Syslog TCP connections the shipper closed itself, by reason: idle (silent for SYSLOG_TCP_IDLE_TIMEOUT_MS), evicted (least recently active one, closed at the cap for a new one).', labelNames: ['reason'] as const, registers }),
    paused: new Gauge({ name: 'log_shipper_input_paused', help: '1 while TCP input is paused by backpressure (disk or a blocking sink).', registers }),
    fileBytes: new Counter({ name: 'log_shipper_file_written_bytes_total', help: 'Bytes written to the live log file.', registers }),
    fileLines: new Counter({ name: 'log_shipper_file_written_lines_total', help: 'Lines written to the live log file.', registers }),
    fileSize: new Gauge({ name: 'log_shipper_file_size_bytes', help: 'Size of the live log file.', registers }),
    rotations: new Counter({ name: 'log_shipper_file_rotations_total', help: 'Rotations of the live log file, by reason (size, age).', labelNames: ['reason'] as const, registers }),
    rotatedDeleted: new Counter({ name: 'log_shipper_file_rotated_deleted_total', help: 'Rotated files deleted by the LOG_ROTATE_KEEP count.', registers }),
    diskFull: new Counter({ name: 'log_shipper_file_disk_full_errors_total', help: 'Writes that failed for lack of space (ENOSPC, EDQUOT, EFBIG).', registers }),
    fileErrors: new Counter({ name: 'log_shipper_file_errors_total', help: 'Other write, rotation and compression failures, by code.', labelNames: ['code'] as const, registers }),
    fileDropped: new Counter({ name: 'log_shipper_file_dropped_lines_total', help: 'Lines that could not be written to the log file (still sent to the sinks).', labelNames: ['reason'] as const, registers }),
    sinkSent: new Counter({ name: 'log_shipper_sink_sent_records_total', help: 'Records delivered, by sink.', labelNames: ['sink'] as const, registers }),
    sinkSentBytes: new Counter({ name: 'log_shipper_sink_sent_bytes_total', help: 'Record bytes delivered, by sink.', labelNames: ['sink'] as const, registers }),
    sinkDropped: new Counter({ name: 'log_shipper_sink_dropped_records_total', help: 'Records a sink dropped, by reason: buffer_full, rejected (4xx), shutdown.', labelNames: ['sink', 'reason'] as const, registers }),
    sinkRetries: new Counter({ name: 'log_shipper_sink_retries_total', help: 'Failed deliveries retried, by sink.', labelNames: ['sink'] as const, registers }),
    sinkBuffer: new Gauge({ name: 'log_shipper_sink_buffer_bytes', help: 'Bytes waiting in a sink buffer.', labelNames: ['sink'] as const, registers }),
    sinkBufferLimit: new Gauge({ name: 'log_shipper_sink_buffer_limit_bytes', help: 'Bound of a sink buffer.', labelNames: ['sink'] as const, registers }),
    udpKernelDrops: new Counter({ name: 'log_shipper_udp_kernel_drops_total', help: 'Datagrams the kernel dropped on our UDP socket (receive buffer full), from /proc/net/udp.', registers }),
    udpRecvBuffer: new Gauge({ name: 'log_shipper_udp_receive_buffer_bytes', help: 'SO_RCVBUF the kernel granted the UDP socket.', registers }),
    ringDropped: new Counter({ name: 'log_shipper_haproxy_dropped_messages_total', help: 'Messages HAProxy announced as dropped ("N events dropped": its ring was full).', registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Copies the hot-path counters into prom-client (only the deltas since last time). */
export function syncCounters(c: ShipperCounters, seen: ShipperCounters, m: Metrics, sinks: readonly Sink[], fileSize: number): void {
  for (const t of ['tcp', 'udp'] as const) {
    m.receivedLines.inc({ transport: t }, c.lines[t] - seen.lines[t]);
    m.receivedBytes.inc({ transport: t }, c.bytes[t] - seen.bytes[t]);
    m.truncated.inc({ transport: t }, c.truncated[t] - seen.truncated[t]);
  }
  for (const k of ['http', 'tcp', 'other', 'raw'] as const) m.parsed.inc({ kind: k }, c.kinds[k] - seen.kinds[k]);
  m.ringDropped.inc(c.ringDropped - seen.ringDropped);
  Object.assign(seen.lines, c.lines);
  Object.assign(seen.bytes, c.bytes);
  Object.assign(seen.truncated, c.truncated);
  Object.assign(seen.kinds, c.kinds);
  seen.ringDropped = c.ringDropped;
  for (const s of sinks) m.sinkBuffer.set({ sink: s.name }, s.bufferedBytes);
  m.fileSize.set(fileSize);
}
