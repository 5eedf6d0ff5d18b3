import { backoffDelay, PipelineError, type BackoffOptions } from '@api-server/core';
import { encodeBatch, isRetryable, type HttpBodyFormat } from './http-body.js';
import { ByteQueue } from './byte-queue.js';
import type { Sink, SinkEvents, SinkItem } from './sink.js';
import { logShipperError } from '../error-codes.js';

export interface HttpSinkOptions {
  url: string;
  format: HttpBodyFormat;
  headers: Record<string, string>;
  batchBytes: number;
  batchWaitMs: number;
  bufferBytes: number;
  overflow: 'block' | 'drop-newest';
  timeoutMs: number;
  backoff: BackoffOptions;
  events: SinkEvents;
}

/**
 * POSTs batches to a collector, one request at a time so records arrive in order.
 * A batch stays in the buffer (and counts against its bound) until the collector
 * accepted it; failures retry with jittered backoff, forever, because a collector
 * that is down for a while must not lose what the buffer can hold.
 */
export class HttpSink implements Sink {
  readonly name = 'http';
  private readonly queue = new ByteQueue<SinkItem>();
  private wake: (() => void) | undefined;
  private stopping = false;
  private stopDeadline = Infinity;
  private high = false;
  private readonly loop: Promise<void>;
  private readonly abort = new AbortController();

  constructor(private readonly opts: HttpSinkOptions) {
    this.loop = this.run();
  }

  get bufferedBytes(): number {
    return this.queue.bytes;
  }

  offer(item: SinkItem, canWait: boolean): boolean {
    const size = item.json.length + 1;
    if (this.queue.bytes + size > this.opts.bufferBytes) {
      if (this.opts.overflow === 'drop-newest' || !canWait || this.stopping) {
        this.opts.events.dropped(1, 'buffer_full');
        return false;
      }
      // block: take it (the overshoot is bounded by one read chunk) and ask the caller to pause.
      if (!this.high) {
        this.high = true;
        this.opts.events.pressure(true);
      }
    }
    this.queue.push(item, size);
    if (this.wake && (this.queue.bytes >= this.opts.batchBytes || this.queue.length === 1)) this.wake();
    return true;
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.stopDeadline = Date.now() + graceMs;
    const timer = setTimeout(() => this.abort.abort(), graceMs);
    this.wake?.();
    await this.loop;
    clearTimeout(timer);
    if (this.queue.length > 0) this.opts.events.dropped(this.queue.length, 'shutdown');
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.stopping) return;
        await this.sleep(Infinity);
        continue;
      }
      const oldest = this.queue.peek()!.timeMs;
      const wait = oldest + this.opts.batchWaitMs - Date.now();
      if (!this.stopping && this.queue.bytes < this.opts.batchBytes && wait > 0) {
        await this.sleep(wait);
        continue;
      }
      const batch = this.queue.peekBytes(this.opts.batchBytes);
      const delivered = await this.deliver(batch);
      if (delivered === 'aborted') return;
      const bytes = this.queue.drop(batch.length);
      if (delivered === 'sent') this.opts.events.sent(batch.length, bytes);
      else this.opts.events.dropped(batch.length, 'rejected');
      if (this.high && this.queue.bytes <= this.opts.bufferBytes / 2) {
        this.high = false;
        this.opts.events.pressure(false);
      }
    }
  }

  private async deliver(batch: SinkItem[]): Promise<'sent' | 'rejected' | 'aborted'> {
    const { body, contentType } = encodeBatch(batch, this.opts.format);
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      try {
        const res = await fetch(this.opts.url, {
          method: 'POST',
          headers: { ...this.opts.headers, 'content-type': contentType },
          body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs)]),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return 'sent';
        if (!isRetryable(status)) return 'rejected';
        throw logShipperError('SINK_HTTP_STATUS', `${this.opts.url} answered ${status}`, { context: { url: this.opts.url, status } });
      } catch (err) {
        if (this.abort.signal.aborted) return 'aborted';
        const delay = backoffDelay(attempt, this.opts.backoff);
        const cause = err instanceof PipelineError ? err : logShipperError('SINK_HTTP_UNREACHABLE', `${this.opts.url}: ${(err as Error).message}`, { cause: err, context: { url: this.opts.url } });
        this.opts.events.retried(cause, attempt, delay);
        if (this.stopping && Date.now() + delay > this.stopDeadline) return 'aborted';
        await this.sleep(delay);
      }
    }
  }

  /** Waits `ms`, or until a new record or stop() wakes the loop. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      const self = this;
      function done() {
        if (timer) clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}
