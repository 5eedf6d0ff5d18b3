import type { FrameInfo } from './parse/framing.js';
import { droppedAnnouncement } from './parse/haproxy-log.js';
import { parseLogLine, type LogRecord } from './parse/record.js';
import { messageText, trimTerminator } from './parse/sanitize.js';
import type { Sink } from './outputs/sink.js';

export type Transport = 'tcp' | 'udp';

/** Plain counters on the hot path; copied into prom-client at scrape time (labels cost a hash per call). */
export interface ShipperCounters {
  lines: Record<Transport, number>;
  bytes: Record<Transport, number>;
  truncated: Record<Transport, number>;
  kinds: Record<LogRecord['kind'], number>;
  ringDropped: number;
}

export function emptyCounters(): ShipperCounters {
  return {
    lines: { tcp: 0, udp: 0 },
    bytes: { tcp: 0, udp: 0 },
    truncated: { tcp: 0, udp: 0 },
    kinds: { http: 0, tcp: 0, other: 0, raw: 0 },
    ringDropped: 0,
  };
}

/**
 * One received message, from bytes to every output: the text line goes to the log
 * file exactly as received (sanitised), the parsed record to each sink. Nothing is
 * dropped here: an unparseable line is a `raw` record.
 */
export class Shipper {
  readonly counters = emptyCounters();

  constructor(
    private readonly file: { append(line: string): void },
    private readonly sinks: readonly Sink[],
  ) {}

  /** TCP frames (the decoder's callback). */
  readonly tcpFrame = (frame: Buffer, info: FrameInfo): void => {
    if (info.truncated) this.counters.truncated.tcp++;
    this.handle(frame, 'tcp');
  };

  readonly udpDatagram = (msg: Buffer): void => {
    this.counters.bytes.udp += msg.length;
    this.handle(msg, 'udp');
  };

  private handle(frame: Buffer, transport: Transport): void {
    const message = trimTerminator(frame);
    if (message.length === 0) return; // an empty datagram or frame carries nothing to keep
    this.counters.lines[transport]++;
    const line = messageText(message);
    this.file.append(line);
    const record = parseLogLine(line);
    this.counters.kinds[record.kind]++;
    if (record.kind === 'other' && record.appName === 'haproxy') this.counters.ringDropped += droppedAnnouncement(record.message);
    if (this.sinks.length === 0) return;
    const timeMs = Date.now();
    // Envelope fields by concatenation: `{...record}` would copy a wide object per line.
    const json = `{"time":"${new Date(timeMs).toISOString()}","source":"haproxy","transport":"${transport}",${JSON.stringify(record).slice(1)}`;
    const item = { json, timeMs };
    // Only TCP can wait: pausing it lets HAProxy's ring hold the backlog.
    for (const sink of this.sinks) sink.offer(item, transport === 'tcp');
  }
}
