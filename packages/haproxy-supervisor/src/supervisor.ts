import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, pause, PipelineError } from '@api-server/core';
import { buildCandidate, validateCandidate, type Candidate } from './candidate.js';
import { ChangeTimes } from './change-times.js';
import { HeldRecord, previousHeld } from './held-record.js';
import { setDraining } from './haproxy/drain.js';
import { configuredServers } from './haproxy/server-state.js';
import { CheckedVersions } from './runtime/checked-versions.js';
import type { ServerChange } from './runtime/plan-runtime.js';
import { findBindConflict } from './haproxy/bind-probe.js';
import { newBinds } from '@api-server/haproxy';
import { adoptMaster, showProc, startMaster, stopMaster, type Master } from './haproxy/master.js';
import { reloadMaster } from './haproxy/reload.js';
import type { ProcTable } from './haproxy/show-proc.js';
import { haproxyState, withLocation } from './report.js';
import { setLiveVersion } from './metrics.js';
import type { LiveVersion } from './outputs/live.js';
import { Outcomes } from './outcomes.js';
import type { AppliedVersion, SupervisorOptions } from './supervisor-options.js';
import { planApply, type ApplyPlan } from './plan.js';
import { Serial } from './serial.js';
import type { RenderedPointer } from './sources/rendered.js';

export type { SupervisorOptions } from './supervisor-options.js';

/**
 * Keeps one HAProxy master running the newest rendered version that passes
 * `haproxy -c` and starts. Every step that touches HAProxy runs in one Serial, and
 * rendered versions coalesce: while a reload runs, only the newest waiting version is
 * applied next.
 */
export class Supervisor {
  private master: Master | null = null;
  private wanted: RenderedPointer | null = null;
  private tried: string | null = null;
  private draining: Promise<void> | undefined;
  private restarting = false;
  /** Why the newest rendered version is not live; kept across HAProxy restarts. */
  private applyError: unknown = null;
  private stopping = false;
  private lastReloadAt = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly serial = new Serial();
  /** Versions this process saw pass `haproxy -c` (a runtime update back to one skips the check). */
  private readonly checked = new CheckedVersions();
  /** The newest version applied through the runtime API and not yet published (its check runs apart). */
  private applied: AppliedVersion | null = null;
  /** Bumped whenever HAProxy is reloaded or started from files: a check begun before is stale. */
  private epoch = 0;
  private checking: Promise<void> | undefined;
  /** Files of the live version held at their last good output (or left out), and why. */
  private readonly held: HeldRecord;
  /** When the Consul changes a version carries were seen, and when each stage reached them. */
  private readonly times: ChangeTimes;
  /** Where every outcome is written: metrics, the state file, the textfile. */
  private readonly outcomes: Outcomes;

  constructor(private readonly o: SupervisorOptions) {
    this.held = new HeldRecord(o.log, o.metrics.heldFiles);
    this.times = new ChangeTimes(join(o.sharedDir, 'rendered'), o.metrics);
    this.outcomes = new Outcomes(o, this.held);
  }

  /** `/readyz`: null when HAProxy runs a live version and no shutdown has begun. */
  ready(): string | null {
    if (this.stopping) return 'shutting down';
    if (!this.master) return 'HAProxy is not running';
    if (!this.o.state.state.current) return 'no live version';
    return null;
  }

  /** Adopts a master a killed supervisor left behind, or starts from `live/current` (last good across restarts). */
  async init(): Promise<void> {
    this.sweeper = setInterval(() => void this.sweep(), 1000);
    this.sweeper.unref();
    const live = await this.o.live.current();
    // Read before the first write below replaces the previous supervisor's state file.
    this.held.restore(await previousHeld(join(this.o.sharedDir, 'state', `${this.o.component}.json`), live?.id ?? null));
    await this.o.state.update({ current: live?.id ?? null, held: this.held.current });
    setLiveVersion(this.o.metrics, live?.id ?? null);
    const adopted = await adoptMaster(this.o.paths);
    if (adopted) {
      this.o.log.info({ pid: adopted.pid, live: live?.id ?? null }, 'adopted the running HAProxy master');
      this.attach(adopted);
      // A supervisor killed while draining leaves the flag set in this worker.
      await setDraining(this.o.paths.adminSocket, false).catch((err: unknown) => this.o.log.warn({ err }, 'could not clear the drain flag'));
      await this.recordOk(live?.id ?? null, await showProc(this.o.paths.masterSocket));
      return;
    }
    if (!live) return;
    await this.serial.run(async () => {
      try {
        this.attach(await startMaster(this.o.paths, this.o.masterLog));
        this.o.log.info({ pid: this.master?.pid, live: live.id }, 'started HAProxy from the last good live version');
        await this.recordOk(live.id, await showProc(this.o.paths.masterSocket));
      } catch (err) {
        this.o.log.error({ err }, 'HAProxy did not start from live/current; retrying with backoff');
        await this.o.state.failure(err);
        this.scheduleRestart();
      }
    });
  }

  /** A new rendered version was published: apply it (or the newest one after it) soon. */
  offer(pointer: RenderedPointer | null): void {
    if (!pointer) return;
    this.times.offered(pointer.id);
    this.wanted = pointer;
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await this.draining;
    await this.checking;
    await this.serial.idle();
    if (this.o.drainSeconds > 0) {
      // The load balancer in front checks HAProxy's monitor-uri, which reads this flag.
      if (this.master) await setDraining(this.o.paths.adminSocket, true).catch((err: unknown) => this.o.log.warn({ err }, 'could not set the drain flag; monitor-uri keeps answering 200'));
      this.o.log.info({ seconds: this.o.drainSeconds }, 'not ready; draining before stopping HAProxy');
      await sleep(this.o.drainSeconds * 1000);
    }
    const master = this.master;
    this.master = null;
    if (master) {
      this.o.log.info({ pid: master.pid }, 'soft-stopping HAProxy');
      await stopMaster(master, this.o.stopTimeoutMs, this.o.paths.masterSocket);
    }
    this.o.metrics.running.set(0);
    await this.o.state.update({ haproxy: { running: false } });
  }

  private async drain(): Promise<void> {
    while (!this.stopping && this.wanted && this.wanted.id !== this.tried) {
      const pointer = this.wanted;
      this.tried = pointer.id;
      await this.serial.run(() => this.apply(pointer)).catch((err: unknown) => this.o.log.error({ err }, 'applying a rendered version crashed'));
    }
  }

  private async apply(pointer: RenderedPointer): Promise<void> {
    const { o } = this;
    o.state.attempt();
    const [live] = await Promise.all([o.live.current(), this.times.applying(pointer.id)]);
    const built = await buildCandidate({ rendered: pointer, globalText: o.globalText, live: live?.files ?? null, liveJudged: live ? this.checked.has(live.id) : false, previous: this.held.current });
    if (!built.ok) return this.rejected(built.error, pointer);
    const { candidate } = built;
    this.held.planning(candidate);
    // Diff against what HAProxy runs: a runtime-applied version still being checked, else live.
    const base = this.applied?.candidate ?? live;
    let plan: ApplyPlan = planApply({ running: this.master !== null, live: base, candidate });
    if (plan.method === 'runtime' && !o.runtimeUpdates) plan = { method: 'reload', reason: `${plan.reason}; runtime updates are off` };
    o.log.info({ rendered: pointer.id, candidate: candidate.id, live: live?.id ?? null, running: base?.id ?? null, method: plan.method, reason: plan.reason, held: candidate.held.map((h) => h.file) }, 'update planned');
    if (plan.method === 'none' && this.applied) {
      // HAProxy already runs it; its check (under way) publishes it and records the outcome.
    } else if (plan.method === 'none') {
      this.applyError = null;
      await this.recordOk(live!.id, await showProc(o.paths.masterSocket), { rendered: pointer.id });
    } else if (plan.method === 'runtime') {
      await this.runtimeUpdate(candidate, live!, plan.changes, plan.reason);
    } else {
      await this.checkThen(candidate, live, plan.method, plan.reason);
    }
    await this.outcomes.publish();
  }

  /** `haproxy -c` (holding the files it fails on), then start or reload the candidate that passed. */
  private async checkThen(planned: Candidate, live: LiveVersion | null, method: 'start' | 'reload', reason: string): Promise<void> {
    const { o } = this;
    const candidate = await this.validate(planned);
    if (!candidate) return;
    if (method === 'start') return this.startCandidate(candidate, live?.id ?? null);
    const wait = this.lastReloadAt + o.minReloadIntervalMs - Date.now();
    if (wait > 0) {
      // Coalesce a burst: after one reload, the next waits out the interval and then
      // applies only the newest version (the drain loop picks it up if this one is stale).
      await sleep(wait);
      if (this.wanted && this.wanted.id !== candidate.rendered.id) return;
    }
    await this.reloadCandidate(candidate, live, reason);
  }

  /**
   * Runs `haproxy -c`; records the verdict. Returns the candidate that passed (files
   * `haproxy -c` failed on held at their last good output), or null (the failure
   * reported) when the whole version is invalid.
   */
  private async validate(planned: Candidate): Promise<Candidate | null> {
    const { o } = this;
    const checked = await validateCandidate({ bin: o.bin, scratchRoot: o.live.root, candidate: planned });
    this.outcomes.countChecks(checked);
    if (!checked.valid) {
      await this.rejected(checked.error, planned.rendered);
      return null;
    }
    const { candidate } = checked;
    this.held.planning(candidate, planned);
    if (checked.warnings.length > 0) o.log.warn({ rendered: candidate.rendered.id, warnings: checked.warnings.map((w) => w.message) }, 'haproxy -c warnings');
    return candidate;
  }

  private async rejected(error: PipelineError, pointer: RenderedPointer): Promise<void> {
    this.o.log.error({ err: error, rendered: pointer.id }, 'rendered version rejected; the live version keeps serving');
    this.applyError = error;
    await this.o.state.failure(error, { rendered: pointer.id });
    await this.outcomes.publish();
  }

  /**
   * Server-only changes through the admin socket, no reload: routing converges as soon
   * as the commands are answered. The version is then checked with `haproxy -c` apart
   * from this path (checkApplied), so the check never holds up the next change, and
   * only a version that passed is published to `live/current` (a restart starts from
   * it). A batch outside the runtime grammar (nothing sent) or a refused command takes
   * the checked reload path instead; the reason is logged, counted and kept in the
   * state file (`lastRuntimeFallback`).
   */
  private async runtimeUpdate(candidate: Candidate, live: LiveVersion, changes: ServerChange[], reason: string): Promise<void> {
    const { o } = this;
    const started = process.hrtime.bigint();
    const result = await o.applier.apply(changes).catch((err: unknown) => ({ ok: false as const, failure: 'refused' as const, reason: (err as Error).message }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    o.metrics.pendingDeletions.set(o.applier.pending.size);
    if (!result.ok) {
      const { failure } = result;
      o.metrics.runtimeFallbacks.inc({ reason: failure });
      o.log.warn({ reason: result.reason, failure, candidate: candidate.id, rendered: candidate.rendered.id }, failure === 'unsafe' ? 'runtime commands not sent (outside the runtime grammar); taking the checked reload path' : 'runtime update refused; reloading instead');
      await o.state.update({ lastRuntimeFallback: { failure, reason: result.reason, rendered: candidate.rendered.id, at: new Date().toISOString() } });
      await this.checkThen(candidate, live, 'reload', `runtime update ${failure === 'unsafe' ? 'not sent' : 'refused'}: ${result.reason}`);
      // Refused half way and the candidate did not go live: HAProxy still runs the commands
      // that were accepted, which no checked version describes. Drop them.
      if (failure === 'refused' && this.master && (await o.live.current())?.id !== candidate.id) {
        await this.reloadLive('undo the accepted commands of a refused runtime update whose version did not go live', candidate.rendered.id);
      }
      return;
    }
    o.metrics.runtimeDuration.observe(seconds);
    // Routing changed when the commands were answered; the state file is written with the check's outcome.
    this.noteApplied(candidate.rendered.id, 'runtime');
    o.metrics.updates.inc({ method: 'runtime' });
    o.state.count('runtimeUpdates');
    o.log.info({ method: 'runtime', reason, candidate: candidate.id, rendered: candidate.rendered.id, commands: result.commands, seconds }, 'applied through the runtime API, no reload');
    this.applied = { candidate, lastUpdate: { method: 'runtime', reason, at: new Date().toISOString(), commands: result.commands } };
    this.checking ??= this.checkApplied()
      // Not published (e.g. a disk error): the next runtime update starts the check again.
      .catch((err: unknown) => o.log.error({ err, candidate: candidate.id }, 'checking or publishing a runtime version failed'))
      .finally(() => (this.checking = undefined));
  }

  /**
   * Checks the newest runtime-applied version with `haproxy -c` outside the Serial, then
   * (in it) publishes it as live, or undoes it by reloading the live version when the
   * check fails. A reload or restart meanwhile (epoch) makes the verdict moot. A version
   * superseded during its check is still published when valid: live moves forward to a
   * checked version, and the newer one is checked next.
   */
  private async checkApplied(): Promise<void> {
    const { o } = this;
    while (this.applied && !this.stopping) {
      const version = this.applied;
      const { candidate } = version;
      const epoch = this.epoch;
      // No holds here: HAProxy already runs these servers, so the version goes live whole or is undone.
      const verdict = this.checked.has(candidate.id) ? null : await validateCandidate({ bin: o.bin, scratchRoot: o.live.root, candidate, hold: false });
      await this.serial.run(async () => {
        if (epoch !== this.epoch) return;
        if (verdict) this.outcomes.countChecks(verdict);
        if (verdict && !verdict.valid) {
          o.metrics.runtimeFallbacks.inc({ reason: 'check-failed' });
          await o.state.update({ lastRuntimeFallback: { failure: 'check-failed', reason: 'haproxy -c rejected the version after its runtime commands', rendered: candidate.rendered.id, at: new Date().toISOString() } });
          await this.rejected(verdict.error, candidate.rendered);
          // HAProxy runs servers no checked file describes: back to the live version.
          return this.reloadLive('undo the runtime changes of a version haproxy -c rejected', candidate.rendered.id);
        }
        this.checked.add(candidate.id);
        await o.live.publish(candidate.files);
        if (this.applied === version) this.applied = null;
        o.log.info({ live: candidate.id, rendered: candidate.rendered.id, checked: verdict !== null }, 'runtime version published as live');
        this.applyError = null;
        await this.recordOk(candidate.id, await showProc(o.paths.masterSocket), { rendered: candidate.rendered.id, lastUpdate: version.lastUpdate });
      });
    }
  }

  /**
   * HAProxy was reloaded or started from files: runtime changes not yet published are
   * gone. If the newest rendered version was one of them (and is not `except`, the one
   * just rejected or just reloaded), plan it again against what HAProxy now runs.
   */
  private forgetApplied(except: string | null = null): void {
    this.epoch++;
    const lost = this.applied;
    this.applied = null;
    if (!lost || !this.wanted || this.wanted.id !== this.tried || this.wanted.id === except) return;
    this.tried = null;
    this.offer(this.wanted);
  }

  /** Deletes removed servers once idle; one still busy after the timeout, or a refusal, takes a reload of live/current. */
  private async sweep(): Promise<void> {
    if (this.o.applier.pending.size === 0 || this.stopping || !this.master) return;
    await this.serial.run(async () => {
      const { o } = this;
      if (o.applier.pending.size === 0 || !this.master) return;
      const result = await o.applier.sweep(o.deleteTimeoutMs).catch((err: unknown) => ({ deleted: [], overdue: [], failed: { key: '', answer: (err as Error).message } }));
      o.metrics.pendingDeletions.set(o.applier.pending.size);
      if (result.deleted.length) o.log.info({ servers: result.deleted }, 'removed servers deleted');
      if (result.failed) await this.reloadLive(`del server ${result.failed.key} refused: ${result.failed.answer}`);
      else if (result.overdue.length) await this.reloadLive(`removed servers still busy after ${o.deleteTimeoutMs} ms: ${result.overdue.join(', ')}`);
    });
  }

  /**
   * Reloads the live version as it is (HAProxy drifted from it); the old worker keeps
   * its connections. Runtime-applied versions not yet published are dropped either way
   * (if the reload failed, the next plan's commands are refused and reload instead).
   */
  private async reloadLive(reason: string, except: string | null = null): Promise<void> {
    const { o } = this;
    const live = await o.live.current();
    if (!live) return;
    o.log.warn({ reason, live: live.id }, 'reloading the live version');
    const outcome = await reloadMaster({ ...o.paths, config: o.live.currentPath, log: o.masterLog, servers: configuredServers(live.files) });
    this.forgetApplied(except);
    if (outcome.ok) {
      this.lastReloadAt = Date.now();
      o.applier.clear();
      o.metrics.pendingDeletions.set(0);
      o.metrics.reloads.inc({ result: 'success' });
      o.metrics.updates.inc({ method: 'reload' });
      o.state.count('reloadsOk');
      await o.state.update({ haproxy: haproxyState(this.master, outcome.table), lastUpdate: { method: 'reload', reason, at: new Date().toISOString() } });
    } else {
      o.metrics.reloads.inc({ result: 'failure' });
      o.log.error({ reason: outcome.reason }, 'reload of the live version failed');
    }
  }

  private async startCandidate(candidate: Candidate, previous: string | null): Promise<void> {
    await this.o.live.publish(candidate.files);
    try {
      this.attach(await startMaster(this.o.paths, this.o.masterLog));
      this.o.log.info({ pid: this.master?.pid, live: candidate.id }, 'HAProxy started');
      this.noteApplied(candidate.rendered.id, 'start');
      this.applyError = null;
      await this.recordOk(candidate.id, await showProc(this.o.paths.masterSocket), { rendered: candidate.rendered.id });
    } catch (err) {
      if (previous) await this.o.live.restore(previous);
      this.o.log.error({ err, candidate: candidate.id, restored: previous }, 'HAProxy did not start with the new version');
      this.applyError = withLocation(err, candidate);
      await this.o.state.failure(this.applyError, { current: previous, rendered: candidate.rendered.id });
      this.scheduleRestart();
    }
  }

  private async reloadCandidate(candidate: Candidate, live: LiveVersion | null, reason: string): Promise<void> {
    const { o } = this;
    const previous = live?.id ?? null;
    const conflict = o.bindCheck ? await findBindConflict(newBinds(live?.files ?? null, candidate.files)) : null;
    if (conflict) {
      const { bind, code } = conflict;
      const err = new PipelineError(
        'RELOAD_FAILED',
        `not reloading to ${candidate.id}: ${bind.file}:${bind.line} binds ${bind.host || '*'}:${bind.port}, which another process holds (${code}); the previous worker keeps serving`,
        { context: { candidate: candidate.id, rendered: candidate.rendered.id, reason: 'bind-conflict', errno: code, file: bind.file, line: bind.line } },
      );
      return this.reloadFailed(err, candidate, previous, await showProc(o.paths.masterSocket));
    }
    this.checked.add(candidate.id);
    await o.live.publish(candidate.files);
    const started = process.hrtime.bigint();
    this.lastReloadAt = Date.now();
    const outcome = await reloadMaster({ ...o.paths, config: o.live.currentPath, log: o.masterLog, servers: configuredServers(candidate.files) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    o.metrics.reloadDuration.observe(seconds);
    if (outcome.ok) {
      this.noteApplied(candidate.rendered.id, 'reload');
      o.applier.clear();
      this.forgetApplied(candidate.rendered.id);
      o.metrics.pendingDeletions.set(0);
      o.metrics.reloads.inc({ result: 'success' });
      o.metrics.updates.inc({ method: 'reload' });
      o.state.count('reloadsOk');
      if (outcome.warnings.length > 0) o.log.warn({ warnings: outcome.warnings.map((w) => w.message) }, 'new worker startup warnings');
      o.log.info({ live: candidate.id, rendered: candidate.rendered.id, seconds, worker: outcome.table.workers[0]?.pid }, 'reloaded');
      this.applyError = null;
      await this.recordOk(candidate.id, outcome.table, { rendered: candidate.rendered.id, lastUpdate: { method: 'reload', reason, at: new Date().toISOString() } });
      return;
    }
    if (previous) await o.live.restore(previous);
    const alert = outcome.diagnostics.find((d) => d.level === 'alert' && d.file) ?? outcome.diagnostics.find((d) => d.level === 'alert');
    const err = new PipelineError('RELOAD_FAILED', `reload to ${candidate.id} failed, the previous worker keeps serving: ${alert?.message ?? outcome.reason}`, {
      context: { candidate: candidate.id, rendered: candidate.rendered.id, reason: 'start-failed', file: alert?.file, line: alert?.line, output: outcome.output.slice(-2000) },
    });
    await this.reloadFailed(err, candidate, previous, outcome.table);
  }

  private async reloadFailed(err: PipelineError, candidate: Candidate, previous: string | null, table: ProcTable | null): Promise<void> {
    this.o.metrics.reloads.inc({ result: 'failure' });
    this.o.state.count('reloadsFailed');
    const located = withLocation(err, candidate);
    this.applyError = located;
    this.o.log.error({ err: located }, 'reload failed; live/current names the last good version');
    await this.o.state.failure(located, { current: previous, rendered: candidate.rendered.id, haproxy: haproxyState(this.master, table) });
  }

  /** Watches a master; an unexpected exit restarts HAProxy from `live/current` with backoff. */
  private attach(master: Master): void {
    this.master = master;
    this.o.applier.clear();
    this.forgetApplied();
    this.o.metrics.running.set(1);
    void master.exited.then(async () => {
      if (this.master !== master || this.stopping) return;
      this.master = null;
      this.o.metrics.running.set(0);
      const err = new PipelineError('HAPROXY_EXITED', `the HAProxy master (pid ${master.pid}) exited; restarting from live/current`, { context: { pid: master.pid } });
      this.o.log.error({ err }, 'HAProxy exited');
      await this.o.state.failure(err, { haproxy: { running: false } });
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    if (this.restarting || this.stopping) return;
    this.restarting = true;
    void (async () => {
      const never = new AbortController().signal;
      for (let attempt = 1; !this.stopping && !this.master; attempt++) {
        const delay = backoffDelay(attempt, { initialMs: 250, maxMs: 30_000 });
        await pause(delay, never);
        await this.serial.run(async () => {
          if (this.stopping || this.master) return;
          const live = await this.o.live.current();
          if (!live) return;
          try {
            const master = await startMaster(this.o.paths, this.o.masterLog);
            this.attach(master);
            this.o.metrics.restarts.inc();
            this.o.state.count('restarts');
            this.o.log.info({ pid: master.pid, live: live.id, attempt }, 'HAProxy restarted from live/current');
            const table = await showProc(this.o.paths.masterSocket);
            if (this.applyError) {
              // Running again, but the newest rendered version is still not live: stay degraded.
              setLiveVersion(this.o.metrics, live.id);
              await this.o.state.failure(this.applyError, { current: live.id, haproxy: haproxyState(master, table) });
            } else {
              await this.recordOk(live.id, table);
            }
          } catch (err) {
            this.o.log.error({ err, attempt, nextDelayMs: backoffDelay(attempt + 1) }, 'HAProxy restart failed');
            await this.o.state.failure(err);
          }
        });
        await this.outcomes.publish();
      }
      this.restarting = false;
    })();
  }

  /** `rendered` runs in HAProxy now: the change-to-apply histogram, and `lastChange` for the next state write. */
  private noteApplied(rendered: string, method: 'runtime' | 'reload' | 'start'): void {
    const lastChange = this.times.applied(rendered, method);
    if (lastChange) this.o.state.state['lastChange'] = lastChange;
  }

  private recordOk(liveId: string | null, table: ProcTable | null, extra: Record<string, unknown> = {}): Promise<void> {
    return this.outcomes.ok(liveId, haproxyState(this.master, table), extra);
  }
}
