/**
 * Which syslog TCP connections to keep when there are too many or they go quiet.
 * Pure bookkeeping (time is passed in), so the policy is unit-tested without sockets.
 *
 * At the cap one connection is closed to make room for the newcomer, instead of
 * refusing the newcomer: a flood of idle connections then only evicts itself, and
 * HAProxy's ring (which reconnects at once when closed) always gets back in. The
 * one closed is the least recently active among connections that never sent a
 * byte, and only if there are none, the least recently active sender: closing a
 * sender can lose what it already wrote into our receive buffer, so senders go last.
 *
 * Each tier is a Map in activity order (`touch` re-inserts), so its first entry is
 * always the least recently active one.
 */
export class ConnectionTable<T> {
  private readonly silent = new Map<T, number>();
  private readonly senders = new Map<T, number>();

  constructor(private readonly policy: { maxConnections: number; idleTimeoutMs: number }) {}

  get size(): number {
    return this.silent.size + this.senders.size;
  }

  /**
   * Makes room for one more connection: returns the connections to close first,
   * removed from the table already. Then call `add`.
   */
  makeRoom(): T[] {
    const victims: T[] = [];
    for (const tier of [this.silent, this.senders]) {
      for (const conn of tier.keys()) {
        if (this.size < this.policy.maxConnections) return victims;
        tier.delete(conn);
        victims.push(conn);
      }
    }
    return victims;
  }

  /** A new connection: silent until it sends. */
  add(conn: T, now: number): void {
    this.silent.set(conn, now);
  }

  /** The connection carried bytes: it becomes the most recently active sender. */
  touch(conn: T, now: number): void {
    if (!this.silent.delete(conn) && !this.senders.delete(conn)) return;
    this.senders.set(conn, now);
  }

  delete(conn: T): boolean {
    return this.silent.delete(conn) || this.senders.delete(conn);
  }

  /** Connections silent for `idleTimeoutMs` or longer, removed from the table already. */
  takeIdle(now: number): T[] {
    const idle: T[] = [];
    for (const tier of [this.silent, this.senders]) {
      for (const [conn, at] of tier) {
        if (now - at < this.policy.idleTimeoutMs) break; // in activity order: the rest are newer
        tier.delete(conn);
        idle.push(conn);
      }
    }
    return idle;
  }

  /**
   * Every connection counts as active now (keeping its tier). Used when backpressure
   * ends: a paused connection was quiet because we stopped reading it.
   */
  touchAll(now: number): void {
    for (const tier of [this.silent, this.senders]) for (const conn of tier.keys()) tier.set(conn, now);
  }
}
