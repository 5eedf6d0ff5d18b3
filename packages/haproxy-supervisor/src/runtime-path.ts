import { validateCandidate, type Candidate } from './candidate.js';
import type { MasterKeeper } from './master-keeper.js';
import type { Outcomes } from './outcomes.js';
import type { ServerChange } from './runtime/plan-runtime.js';
import type { CheckedVersions } from './runtime/checked-versions.js';
import type { Serial } from './serial.js';
import type { AppliedVersion, SupervisorOptions } from './supervisor-options.js';

/** The parts of the supervisor this path works with. */
export interface RuntimePathParts {
  serial: Serial;
  checked: CheckedVersions;
  outcomes: Outcomes;
  keeper: MasterKeeper;
  /** Reload `live/current` as it is: HAProxy runs servers no checked version describes. */
  reloadLive: (reason: string, except?: string | null) => Promise<void>;
  /** Runtime changes were lost under the newest rendered version: plan it again (unless it is `except`). */
  replan: (except: string | null) => void;
}

/**
 * Server-only changes through the admin socket, without a reload. Routing converges as
 * soon as the commands are answered; the version is then checked with `haproxy -c` apart
 * from the Serial (so the check never holds up the next change), and only a version that
 * passed is published to `live/current` (a restart starts from it). Also deletes removed
 * servers once idle (the sweep).
 */
export class RuntimePath {
  /** The newest version applied through the runtime API and not yet published (its check runs apart). */
  private applied: AppliedVersion | null = null;
  /** Bumped whenever HAProxy is reloaded or started from files: a check begun before is stale. */
  private epoch = 0;
  private checking: Promise<void> | undefined;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly o: SupervisorOptions,
    private readonly p: RuntimePathParts,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), 1000);
    this.sweeper.unref();
  }

  /** What HAProxy runs if it is not `live/current`: the runtime-applied version still being checked. */
  get running(): Candidate | null {
    return this.applied?.candidate ?? null;
  }

  /**
   * Sends the commands of `changes`. Returns null when they were all answered (the check
   * then runs apart), or why the version must take the checked reload path instead: a
   * batch outside the runtime grammar (nothing sent) or a refused command (logged,
   * counted, and kept in the state file as `lastRuntimeFallback`).
   */
  async update(candidate: Candidate, changes: ServerChange[], reason: string): Promise<{ failure: 'unsafe' | 'refused'; reason: string } | null> {
    const { o } = this;
    const started = process.hrtime.bigint();
    const result = await o.applier.apply(changes).catch((err: unknown) => ({ ok: false as const, failure: 'refused' as const, reason: (err as Error).message }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    o.metrics.pendingDeletions.set(o.applier.pending.size);
    if (!result.ok) {
      const { failure } = result;
      o.log.warn({ reason: result.reason, failure, candidate: candidate.id, rendered: candidate.rendered.id }, failure === 'unsafe' ? 'runtime commands not sent (outside the runtime grammar); taking the checked reload path' : 'runtime update refused; reloading instead');
      await this.p.outcomes.fallback(failure, result.reason, candidate.rendered.id);
      return { failure, reason: `runtime update ${failure === 'unsafe' ? 'not sent' : 'refused'}: ${result.reason}` };
    }
    o.metrics.runtimeDuration.observe(seconds);
    // Routing changed when the commands were answered; the state file is written with the check's outcome.
    this.p.outcomes.reached(candidate.rendered.id, 'runtime');
    o.metrics.updates.inc({ method: 'runtime' });
    o.state.count('runtimeUpdates');
    o.log.info({ method: 'runtime', reason, candidate: candidate.id, rendered: candidate.rendered.id, commands: result.commands, seconds }, 'applied through the runtime API, no reload');
    this.applied = { candidate, lastUpdate: { method: 'runtime', reason, at: new Date().toISOString(), commands: result.commands } };
    this.checking ??= this.checkApplied()
      // Not published (e.g. a disk error): the next runtime update starts the check again.
      .catch((err: unknown) => o.log.error({ err, candidate: candidate.id }, 'checking or publishing a runtime version failed'))
      .finally(() => (this.checking = undefined));
    return null;
  }

  /**
   * HAProxy was reloaded or started from files: runtime changes not yet published are
   * gone (a check under way is moot). If the newest rendered version was one of them
   * (and is not `except`, the one just rejected or just reloaded), it is planned again
   * against what HAProxy now runs.
   */
  forget(except: string | null = null): void {
    this.epoch++;
    const lost = this.applied;
    this.applied = null;
    if (lost) this.p.replan(except);
  }

  /** HAProxy runs its files anew (reloaded or started): also no server is pending deletion any more. */
  reset(except: string | null = null): void {
    this.o.applier.clear();
    this.o.metrics.pendingDeletions.set(0);
    this.forget(except);
  }

  /** Shutdown: no more sweeps; resolves once a check under way has finished. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.checking;
  }

  /**
   * Checks the newest runtime-applied version with `haproxy -c` outside the Serial, then
   * (in it) publishes it as live, or undoes it by reloading the live version when the
   * check fails. A reload or restart meanwhile (epoch) makes the verdict moot. A version
   * superseded during its check is still published when valid: live moves forward to a
   * checked version, and the newer one is checked next.
   */
  private async checkApplied(): Promise<void> {
    const { o, p } = this;
    while (this.applied && !o.signal.aborted) {
      const version = this.applied;
      const { candidate } = version;
      const epoch = this.epoch;
      // No holds here: HAProxy already runs these servers, so the version goes live whole or is undone.
      const verdict = p.checked.has(candidate.id) ? null : await validateCandidate({ bin: o.bin, scratchRoot: o.live.root, candidate, hold: false });
      await p.serial.run(async () => {
        if (epoch !== this.epoch) return;
        if (verdict) p.outcomes.countChecks(verdict);
        if (verdict && !verdict.valid) {
          await p.outcomes.fallback('check-failed', 'haproxy -c rejected the version after its runtime commands', candidate.rendered.id);
          await p.outcomes.invalid(verdict.error, candidate.rendered.id);
          // HAProxy runs servers no checked file describes: back to the live version.
          return p.reloadLive('undo the runtime changes of a version haproxy -c rejected', candidate.rendered.id);
        }
        p.checked.add(candidate.id);
        await o.live.publish(candidate);
        if (this.applied === version) this.applied = null;
        o.log.info({ live: candidate.id, rendered: candidate.rendered.id, checked: verdict !== null }, 'runtime version published as live');
        await p.outcomes.applied(candidate.id, await p.keeper.report(), { rendered: candidate.rendered.id, lastUpdate: version.lastUpdate });
      });
    }
  }

  /** Deletes removed servers once idle; one still busy after the timeout, or a refusal, takes a reload of live/current. */
  private async sweep(): Promise<void> {
    const { o, p } = this;
    if (o.applier.pending.size === 0 || o.signal.aborted || !p.keeper.master) return;
    await p.serial.run(async () => {
      if (o.applier.pending.size === 0 || !p.keeper.master) return;
      const result = await o.applier.sweep(o.deleteTimeoutMs).catch((err: unknown) => ({ deleted: [], overdue: [], failed: { key: '', answer: (err as Error).message } }));
      o.metrics.pendingDeletions.set(o.applier.pending.size);
      if (result.deleted.length) o.log.info({ servers: result.deleted }, 'removed servers deleted');
      if (result.failed) await p.reloadLive(`del server ${result.failed.key} refused: ${result.failed.answer}`);
      else if (result.overdue.length) await p.reloadLive(`removed servers still busy after ${o.deleteTimeoutMs} ms: ${result.overdue.join(', ')}`);
    });
  }
}
