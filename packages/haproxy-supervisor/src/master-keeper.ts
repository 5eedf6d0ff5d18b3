import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, pause, retryForever, type BackoffOptions } from '@api-server/core';
import { supervisorError } from './error-codes.js';
import { setDraining } from './haproxy/drain.js';
import { adoptMaster, showProc, startMaster, stopMaster, type Master } from './haproxy/master.js';
import type { ProcTable } from './haproxy/show-proc.js';
import type { LiveVersion } from './outputs/live.js';
import type { HaproxyBlock, Outcomes } from './outcomes.js';
import { haproxyState } from './report.js';
import type { Serial } from './serial.js';
import type { SupervisorOptions } from './supervisor-options.js';

/** What the keeper is doing; the state file's `haproxy.phase`. */
export type KeeperPhase = KeeperState['phase'];

type KeeperState =
  /** No master and no restart under way: nothing to start from yet, or just exited. */
  | { phase: 'down' }
  | { phase: 'running'; master: Master }
  /** The master died or did not start: starting it again from `live/current` with backoff. */
  | { phase: 'restarting' }
  | { phase: 'stopping'; master: Master | null }
  | { phase: 'stopped' };

/** How long a `show proc` table stands for the state file (worker uptimes and exits show at most this late). */
const PROC_TABLE_MAX_AGE_MS = 1000;

/** 0.25 s doubling to 30 s, with jitter (core backoffDelay). */
const RESTART_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, factor: 2 };

/** The process operations the keeper uses: HAProxy's own by default; a unit test passes fakes. */
export interface MasterProcs {
  adopt: typeof adoptMaster;
  start: typeof startMaster;
  stop: typeof stopMaster;
  showProc: typeof showProc;
}

const HAPROXY: MasterProcs = { adopt: adoptMaster, start: startMaster, stop: stopMaster, showProc };

/**
 * Keeps one HAProxy master: adopts the one a killed supervisor left behind or starts one
 * from `live/current`, watches it, starts it again after it died (core `retryForever`
 * until it runs or the shutdown signal aborts), and drains and stops it on shutdown.
 * Every start runs in the Serial shared with reloads: the master must never see two at once.
 */
export class MasterKeeper {
  private state: KeeperState = { phase: 'down' };
  /** The last `show proc` table and the master that answered it. */
  private lastTable: { pid: number; at: number; table: ProcTable } | undefined;
  private readonly procs: MasterProcs;
  private readonly backoff: BackoffOptions;

  constructor(
    private readonly o: Pick<SupervisorOptions, 'paths' | 'masterLog' | 'live' | 'metrics' | 'log' | 'state' | 'stopTimeoutMs' | 'drainSeconds' | 'signal'>,
    private readonly serial: Serial,
    private readonly outcomes: Outcomes,
    /** A master was started or adopted: it runs the files of `live/current`, nothing applied at runtime. */
    private readonly attached: () => void,
    seams: { procs?: Partial<MasterProcs>; backoff?: BackoffOptions } = {},
  ) {
    this.procs = { ...HAPROXY, ...seams.procs };
    this.backoff = seams.backoff ?? RESTART_BACKOFF;
  }

  get phase(): KeeperPhase {
    return this.state.phase;
  }

  /** The running master (also while it is being stopped), or null. */
  get master(): Master | null {
    return 'master' in this.state ? this.state.master : null;
  }

  /**
   * The state file's `haproxy` block; `show proc` is asked when no table is given, unless
   * the same master answered it less than {@link PROC_TABLE_MAX_AGE_MS} ago. Every change
   * writes the block, and a connection to the master socket per change was ~5% of the
   * supervisor's CPU for a health flip; what changes the table (a reload, a start) passes
   * the fresh one, which is kept.
   */
  async report(table?: ProcTable | null): Promise<HaproxyBlock> {
    const pid = this.master?.pid;
    const last = this.lastTable;
    if (table === undefined && last !== undefined && last.pid === pid && Date.now() - last.at < PROC_TABLE_MAX_AGE_MS) return haproxyState(this, last.table);
    // null (given on stop) is "no table", not "ask".
    if (table === undefined) table = await this.procs.showProc(this.o.paths.masterSocket);
    this.lastTable = pid !== undefined && table ? { pid, at: Date.now(), table } : undefined;
    return haproxyState(this, table);
  }

  /** At start: adopt the master a killed supervisor left behind, else start one from `live` (none: wait for a version). */
  async init(live: LiveVersion | null): Promise<void> {
    const { o } = this;
    const liveId = live?.id ?? null;
    const adopted = await this.procs.adopt(o.paths);
    if (adopted) {
      o.log.info({ pid: adopted.pid, live: liveId }, 'adopted the running HAProxy master');
      this.attach(adopted);
      // A supervisor killed while draining leaves the flag set in this worker.
      await setDraining(o.paths.adminSocket, false).catch((err: unknown) => o.log.warn({ err }, 'could not clear the drain flag'));
      return this.outcomes.running(liveId, await this.report());
    }
    if (!live) return;
    await this.serial.run(async () => {
      try {
        const master = await this.start();
        o.log.info({ pid: master.pid, live: live.id }, 'started HAProxy from the last good live version');
        await this.outcomes.running(live.id, await this.report());
      } catch (err) {
        o.log.error({ err }, 'HAProxy did not start from live/current; retrying with backoff');
        await this.outcomes.failed(err);
        this.restartSoon();
      }
    });
  }

  /** Starts a master on `live/current` and watches it; call inside the Serial. Throws HAPROXY_START_FAILED. */
  async start(): Promise<Master> {
    const master = await this.procs.start(this.o.paths, this.o.masterLog);
    this.attach(master);
    return master;
  }

  /** HAProxy is down (a start failed, or it exited): start it again with backoff, unless that is under way already. */
  restartSoon(): void {
    if (this.state.phase !== 'down' || this.o.signal.aborted) return;
    this.state = { phase: 'restarting' };
    void this.restartLoop();
  }

  /** Shutdown (after the Serial is idle): the drain flag and `DRAIN_SECONDS`, then a bounded soft stop of the master. */
  async stop(): Promise<void> {
    const { o } = this;
    const master = this.master;
    this.state = { phase: 'stopping', master };
    if (o.drainSeconds > 0) {
      // The load balancer in front checks HAProxy's monitor-uri, which reads this flag.
      if (master) await setDraining(o.paths.adminSocket, true).catch((err: unknown) => o.log.warn({ err }, 'could not set the drain flag; monitor-uri keeps answering 200'));
      o.log.info({ seconds: o.drainSeconds }, 'not ready; draining before stopping HAProxy');
      await sleep(o.drainSeconds * 1000);
    }
    if (master) {
      o.log.info({ pid: master.pid }, 'soft-stopping HAProxy');
      await this.procs.stop(master, o.stopTimeoutMs, o.paths.masterSocket);
    }
    this.state = { phase: 'stopped' };
    o.metrics.running.set(0);
    await this.outcomes.stopped(await this.report(null));
  }

  private attach(master: Master): void {
    this.state = { phase: 'running', master };
    this.attached();
    this.o.metrics.running.set(1);
    void master.exited.then(() => this.exited(master));
  }

  /** An exit we did not ask for (stop() moves the phase first): record it and restart. */
  private async exited(master: Master): Promise<void> {
    if (this.state.phase !== 'running' || this.state.master !== master) return;
    this.state = { phase: 'down' };
    this.o.metrics.running.set(0);
    const err = supervisorError('HAPROXY_EXITED', `the HAProxy master (pid ${master.pid}) exited; restarting from live/current`, { context: { pid: master.pid } });
    this.o.log.error({ err }, 'HAProxy exited');
    this.restartSoon();
    await this.outcomes.failed(err, { haproxy: await this.report(null) });
  }

  private async restartLoop(): Promise<void> {
    const { signal, log } = this.o;
    // One backoff step before the first attempt: the workers of a master that just died may still hold the ports.
    if (!(await pause(backoffDelay(1, this.backoff), signal))) return;
    await retryForever((attempt) => this.restartOnce(attempt), {
      signal,
      backoff: this.backoff,
      onError: (err, attempt, delayMs) => log.error({ err, attempt, nextDelayMs: delayMs }, 'HAProxy restart failed'),
    }).catch(() => undefined); // aborted: shutting down
  }

  /** One attempt, in the Serial: resolves once HAProxy runs (or no longer needs a restart), throws to retry. */
  private async restartOnce(attempt: number): Promise<void> {
    const { o } = this;
    try {
      await this.serial.run(async () => {
        // A new version started HAProxy meanwhile, or shutdown began.
        if (this.state.phase !== 'restarting' || o.signal.aborted) return;
        const live = await o.live.current();
        if (!live) throw supervisorError('HAPROXY_START_FAILED', 'no live version to restart HAProxy from', { context: { live: o.live.currentPath } });
        const master = await this.start().catch(async (err: unknown) => {
          await this.outcomes.failed(err);
          throw err;
        });
        o.metrics.restarts.inc();
        o.state.count('restarts');
        o.log.info({ pid: master.pid, live: live.id, attempt }, 'HAProxy restarted from live/current');
        await this.outcomes.running(live.id, await this.report());
      });
    } finally {
      await this.outcomes.publish();
    }
  }
}
