/** One record as the sinks receive it: serialised once, shared by every sink. */
export interface SinkItem {
  /** The record as one JSON object (no trailing newline). */
  json: string;
  /** Receive time, ms since the epoch. */
  timeMs: number;
}

/** Counters a sink reports; the component turns them into metrics. */
export interface SinkEvents {
  sent(records: number, bytes: number): void;
  dropped(records: number, reason: 'buffer_full' | 'rejected' | 'shutdown'): void;
  retried(err: unknown, attempt: number, delayMs: number): void;
  /** The buffer reached its bound (true) or fell back under half of it (false). */
  pressure(high: boolean): void;
}

export interface Sink {
  readonly name: string;
  /** Takes a record; false when it was dropped (already counted). `canWait`: the caller can pause its input. */
  offer(item: SinkItem, canWait: boolean): boolean;
  /** Bytes waiting to be delivered. */
  readonly bufferedBytes: number;
  /** Delivers what it can within `graceMs`, counts the rest as dropped. */
  stop(graceMs: number): Promise<void>;
}
