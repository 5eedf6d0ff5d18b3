import { join } from 'node:path';
import type { Logger } from '@api-server/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import { loadPosition, PositionWriter } from '../sources/position.js';
import { FileTailer, type TailEvent } from '../sources/tailer.js';
import { LogMetrics, type LineResult } from './log-metrics.js';

export interface LogPipelineOptions {
  logDir: string;
  positionFile: string;
  pollMs: number;
  maxSeries: number;
  ttlMs: number;
  registry: Registry;
  log: Logger;
  onPoll?: () => void;
  /** How often the position is written at most while the tailer is busy (default 250 ms); also written on catching up. */
  positionIntervalMs?: number;
}

/**
 * `LOG_DIR/haproxy.log` -> tailer -> parser -> :3803 families. Lines are counted and
 * the position advanced in the same synchronous step, so the position on disk never
 * runs ahead of what was counted; on SIGTERM the final position is flushed, and a
 * restart resumes at the next line.
 */
export class LogPipeline {
  readonly metrics: LogMetrics;
  readonly counts: Record<LineResult, number> = { http: 0, tcp: 0, other: 0, unparsed: 0, empty: 0 };
  readonly events = { rotations: 0, truncations: 0, positionLost: 0, readErrors: 0 };
  private tailer: FileTailer | undefined;
  private positions: PositionWriter;
  private running: Promise<void> | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private readonly lines: Counter<'result'>;
  private readonly tailEvents: Counter<'event'>;
  private readonly offset: Gauge;
  private readonly bytes: Counter;

  constructor(private readonly opts: LogPipelineOptions) {
    this.metrics = new LogMetrics({ maxSeries: opts.maxSeries, ttlMs: opts.ttlMs });
    this.positions = new PositionWriter(opts.positionFile, opts.positionIntervalMs ?? 250, (err) =>
      opts.log.warn({ err, file: opts.positionFile }, 'could not write the tail position'),
    );
    const r = [opts.registry];
    this.lines = new Counter({ name: 'metrics_log_lines_total', help: 'Log lines read, by how they were handled (http, tcp, other, unparsed, empty).', labelNames: ['result'], registers: r });
    this.tailEvents = new Counter({ name: 'metrics_log_tail_events_total', help: 'Tailer events: rotated, truncated, position_lost, line_too_long, read_error.', labelNames: ['event'], registers: r });
    this.offset = new Gauge({ name: 'metrics_log_position_bytes', help: 'Byte offset of the tailer in the current log file.', registers: r });
    this.bytes = new Counter({ name: 'metrics_log_read_bytes_total', help: 'Bytes read from the log files.', registers: r });
    for (const result of Object.keys(this.counts)) this.lines.inc({ result }, 0);
  }

  get file(): string {
    return join(this.opts.logDir, 'haproxy.log');
  }

  get position() {
    return this.tailer?.position ?? null;
  }

  async start(signal: AbortSignal): Promise<void> {
    const { log } = this.opts;
    const start = await loadPosition(this.opts.positionFile).catch((err: unknown) => {
      log.warn({ err, file: this.opts.positionFile }, 'unreadable position file: starting at the beginning of the log');
      return null;
    });
    let bytesSeen = 0;
    this.tailer = new FileTailer({
      path: this.file,
      start,
      pollMs: this.opts.pollMs,
      onLines: (lines, position) => {
        const now = Date.now();
        for (const line of lines) this.counts[this.metrics.processLine(line, now)]++;
        this.positions.update(position);
        this.offset.set(position.offset);
      },
      onEvent: (event) => this.onEvent(event),
      // Caught up: save now, so a crash while the log is quiet repeats nothing
      // (no write when the position did not move).
      onCaughtUp: () => this.positions.saveNow(),
      onPoll: () => {
        const read = this.tailer?.bytesRead ?? 0;
        if (read > bytesSeen) this.bytes.inc(read - bytesSeen);
        bytesSeen = read;
        this.syncLineCounter();
        this.opts.onPoll?.();
      },
      onError: (err) => {
        this.events.readErrors++;
        this.tailEvents.inc({ event: 'read_error' });
        log.error({ err, file: this.file }, 'log read failed; retrying');
      },
    });
    this.expiry = setInterval(() => this.metrics.expire(), Math.min(60_000, Math.max(1000, this.opts.ttlMs / 4)));
    this.expiry.unref();
    this.running = this.tailer.run(signal);
  }

  /** Waits for the tailer to finish its step after the abort, then saves the final position. */
  async stop(): Promise<void> {
    clearInterval(this.expiry);
    await this.running;
    this.syncLineCounter();
    await this.positions.flush();
  }

  private synced: Record<string, number> = {};
  /** prom-client counters are bumped per poll, not per line: the line loop stays allocation-free. */
  private syncLineCounter(): void {
    for (const [result, n] of Object.entries(this.counts)) {
      const delta = n - (this.synced[result] ?? 0);
      if (delta > 0) this.lines.inc({ result }, delta);
      this.synced[result] = n;
    }
  }

  private onEvent(event: TailEvent): void {
    const { log } = this.opts;
    switch (event.type) {
      case 'opened':
        log.info(event, event.resumed ? 'resumed log file at saved position' : 'reading log file from its start');
        break;
      case 'rotated':
        this.events.rotations++;
        this.tailEvents.inc({ event: 'rotated' });
        log.info(event, 'log rotated: old file read to its end');
        break;
      case 'truncated':
        this.events.truncations++;
        this.tailEvents.inc({ event: 'truncated' });
        log.warn(event, 'log file truncated: reading it again from the start');
        break;
      case 'position-lost':
        this.events.positionLost++;
        this.tailEvents.inc({ event: 'position_lost' });
        log.warn(event, 'saved position names a file that is gone: lines after it in that file were not counted');
        break;
      case 'line-too-long':
        this.tailEvents.inc({ event: 'line_too_long' });
        log.warn(event, 'log line longer than the limit: handed on cut');
        break;
    }
  }
}
