import { parseHaproxyLog, parseSyslog, type HttpLog, type TcpLog } from '@api-server/log-shipper';
import { CounterFamily, HistogramFamily, renderFamilies, streamFamilies, type AnyFamily, type ChunkWriter, type SeriesLimits } from './series-store.js';

/** Seconds; HAProxy timers are whole milliseconds, so the first bucket is 5 ms. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** How one line was handled: counted (http/tcp), not HAProxy traffic, or unreadable. */
export type LineResult = 'http' | 'tcp' | 'other' | 'unparsed' | 'empty';

/**
 * The :3803 metrics, derived from HAProxy's httplog/tcplog lines (what mtail did in
 * the seed). Every label value comes from a bounded set (status class, two-letter
 * termination state) or from HAProxy's own proxy names, and every family is capped.
 */
export class LogMetrics {
  readonly requests: CounterFamily;
  readonly tcpSessions: CounterFamily;
  readonly requestSeconds: HistogramFamily;
  readonly responseSeconds: HistogramFamily;
  readonly totalSeconds: HistogramFamily;
  readonly tcpSeconds: HistogramFamily;
  readonly responseBytes: CounterFamily;
  readonly terminations: CounterFamily;
  readonly families: readonly AnyFamily[];

  constructor(limits: SeriesLimits) {
    const fb = ['frontend', 'backend'];
    this.requests = new CounterFamily('haproxy_http_requests_total', 'HTTP requests logged by HAProxy, by frontend, backend and status class.', [...fb, 'code_class'], limits);
    this.tcpSessions = new CounterFamily('haproxy_tcp_sessions_total', 'TCP sessions logged by HAProxy (option tcplog).', fb, limits);
    this.requestSeconds = new HistogramFamily('haproxy_http_request_duration_seconds', 'Time to receive the full request headers from the client (%TR), by backend.', ['backend'], limits, DURATION_BUCKETS);
    this.responseSeconds = new HistogramFamily('haproxy_http_response_duration_seconds', 'Time the server took to send the response headers (%Tr), by backend.', ['backend'], limits, DURATION_BUCKETS);
    this.totalSeconds = new HistogramFamily('haproxy_http_total_duration_seconds', 'Total active time of the HTTP request, from request to last response byte (%Ta), by backend.', ['backend'], limits, DURATION_BUCKETS);
    this.tcpSeconds = new HistogramFamily('haproxy_tcp_session_duration_seconds', 'Total TCP session time (%Tt), by backend.', ['backend'], limits, DURATION_BUCKETS);
    this.responseBytes = new CounterFamily('haproxy_response_bytes_total', 'Bytes HAProxy sent to clients (%B), by frontend and backend.', fb, limits);
    this.terminations = new CounterFamily('haproxy_termination_states_total', 'Sessions by how they ended: the first two characters of the termination state (-- normal, CD client abort, sH server timeout ...).', [...fb, 'state'], limits);
    this.families = [this.requests, this.tcpSessions, this.requestSeconds, this.responseSeconds, this.totalSeconds, this.tcpSeconds, this.responseBytes, this.terminations];
  }

  /** Parses one line of `LOG_DIR/haproxy.log` (a whole syslog message) and counts it. */
  processLine(line: string, now = Date.now()): LineResult {
    if (line.length === 0) return 'empty';
    const syslog = parseSyslog(line);
    if (syslog.format === 'none') return 'unparsed';
    const record = parseHaproxyLog(syslog.message);
    if (record.kind === 'other') return 'other';
    this.observe(record, now);
    return record.kind;
  }

  observe(record: HttpLog | TcpLog, now: number): void {
    const { frontend, backend } = record;
    if (record.kind === 'http') {
      this.requests.inc([frontend, backend, codeClass(record.status)], 1, now);
      if (record.tq >= 0) this.requestSeconds.observe([backend], record.tq / 1000, now);
      if (record.tr >= 0) this.responseSeconds.observe([backend], record.tr / 1000, now);
      if (record.ta >= 0) this.totalSeconds.observe([backend], record.ta / 1000, now);
    } else {
      this.tcpSessions.inc([frontend, backend], 1, now);
      if (record.tt >= 0) this.tcpSeconds.observe([backend], record.tt / 1000, now);
    }
    if (record.bytesRead > 0) this.responseBytes.inc([frontend, backend], record.bytesRead, now);
    this.terminations.inc([frontend, backend, terminationState(record.terminationState)], 1, now);
  }

  expire(now = Date.now()): number {
    let n = 0;
    for (const f of this.families) n += f.expire(now);
    return n;
  }

  /** The exposition text in chunks, yielding between them (the :3803 handler). */
  stream(write: ChunkWriter): Promise<void> {
    return streamFamilies(this.families, write);
  }

  render(): Promise<string> {
    return renderFamilies(this.families);
  }
}

/** `2xx` for 200..299, ...; `other` for -1 (no response) and anything outside 100..599. */
export function codeClass(status: number): string {
  return status >= 100 && status <= 599 ? `${Math.floor(status / 100)}xx` : 'other';
}

/** The two session-end characters; anything unexpected becomes `??` so the label set stays small. */
export function terminationState(state: string): string {
  const two = state.slice(0, 2);
  return /^[A-Za-z-]{2}$/.test(two) ? two : '??';
}
