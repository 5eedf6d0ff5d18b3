import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplyQueue } from './apply-queue.js';
import { buildCandidate, validateCandidate, type Candidate } from './candidate.js';
import { ChangeTimes } from './change-times.js';
import { HeldRecord, previousHeld } from './held-record.js';
import { MasterKeeper } from './master-keeper.js';
import { setLiveVersion } from './metrics.js';
import { Outcomes } from './outcomes.js';
import type { LiveVersion } from './outputs/live.js';
import { planApply, type ApplyPlan } from './plan.js';
import { ReloadPath } from './reload-path.js';
import { withLocation } from './report.js';
import { CheckedVersions } from './runtime/checked-versions.js';
import type { ServerChange } from './runtime/plan-runtime.js';
import { RuntimePath } from './runtime-path.js';
import { Serial } from './serial.js';
import type { RenderedPointer } from './sources/rendered.js';
import type { SupervisorOptions } from './supervisor-options.js';

export type { SupervisorOptions } from './supervisor-options.js';

/**
 * The supervisor's policy: a new rendered version -> policy holds and a plan against what
 * HAProxy runs -> the runtime API (servers only) or `haproxy -c` then a start or reload ->
 * `live/current` -> the outcome recorded once. `live/current` only ever names a version
 * that passed `haproxy -c`. A server-only version runs in HAProxy for the length of its
 * check, before it is published, and is undone by a reload of `live/current` if the check
 * rejects it. Not checked again: a version already live, and a runtime update back to a
 * version this process saw pass.
 *
 * The parts: ApplyQueue (one version at a time; only the newest waiting one next),
 * MasterKeeper (start, adopt, restart, stop), RuntimePath, ReloadPath, Outcomes (metrics,
 * state file, textfile). Every step that touches HAProxy runs in one Serial.
 */
export class Supervisor {
  private readonly serial = new Serial();
  /** Versions this process saw pass `haproxy -c` (a runtime update back to one skips the check). */
  private readonly checked = new CheckedVersions();
  /** Files of the live version held at their last good output (or left out), and why. */
  private readonly held: HeldRecord;
  /** When the Consul changes a version carries were seen, and when each stage reached them. */
  private readonly times: ChangeTimes;
  private readonly outcomes: Outcomes;
  private readonly keeper: MasterKeeper;
  private readonly queue: ApplyQueue<RenderedPointer>;
  private readonly runtime: RuntimePath;
  private readonly reloads: ReloadPath;

  constructor(private readonly o: SupervisorOptions) {
    const { serial, checked } = this;
    this.held = new HeldRecord(o.log, o.metrics.heldFiles);
    this.times = new ChangeTimes(join(o.sharedDir, 'rendered'), o.metrics);
    const outcomes = (this.outcomes = new Outcomes(o, this.held, this.times));
    const keeper = (this.keeper = new MasterKeeper(o, serial, outcomes, () => this.runtime.reset()));
    this.queue = new ApplyQueue(serial, (pointer) => this.apply(pointer), (err) => o.log.error({ err }, 'applying a rendered version crashed'));
    const runtime = (this.runtime = new RuntimePath(o, {
      serial,
      checked,
      outcomes,
      keeper,
      reloadLive: (reason, except) => this.reloads.live(reason, except),
      replan: (except) => {
        const again = this.queue.retry(except);
        if (again) this.times.offered(again.id);
      },
    }));
    this.reloads = new ReloadPath(o, { checked, outcomes, keeper, runtime });
  }

  /** `/readyz`: null when HAProxy runs a live version and no shutdown has begun. */
  ready(): string | null {
    const { phase } = this.keeper;
    if (this.o.signal.aborted || phase === 'stopping' || phase === 'stopped') return 'shutting down';
    if (phase !== 'running') return 'HAProxy is not running';
    if (!this.o.state.state.current) return 'no live version';
    return null;
  }

  /** Adopts a master a killed supervisor left behind, or starts from `live/current` (last good across restarts). */
  async init(): Promise<void> {
    const { o } = this;
    const live = await o.live.current();
    // Read before the first write below replaces the previous supervisor's state file.
    this.held.restore(await previousHeld(join(o.sharedDir, 'state', `${o.component}.json`), live?.id ?? null));
    await o.state.update({ current: live?.id ?? null, held: this.held.current });
    setLiveVersion(o.metrics, live?.id ?? null);
    await this.keeper.init(live);
  }

  /** A new rendered version was published: apply it (or the newest one after it) soon. */
  offer(pointer: RenderedPointer | null): void {
    if (!pointer) return;
    this.times.offered(pointer.id);
    this.queue.offer(pointer);
  }

  /** Shutdown: the apply and check under way finish, then HAProxy drains and stops. */
  async stop(): Promise<void> {
    await this.queue.close();
    await this.runtime.stop();
    await this.serial.idle();
    await this.keeper.stop();
    await this.outcomes.flushTextfile();
  }

  private async apply(pointer: RenderedPointer): Promise<void> {
    const { o } = this;
    o.state.attempt();
    const [live] = await Promise.all([o.live.current(), this.times.applying(pointer.id)]);
    const built = await buildCandidate({ rendered: pointer, globalText: o.globalText, live: live?.files ?? null, liveJudged: live ? this.checked.has(live.id) : false, previous: this.held.current });
    if (!built.ok) return this.outcomes.invalid(built.error, pointer.id);
    const { candidate } = built;
    this.held.planning(candidate);
    // Diff against what HAProxy runs: a runtime-applied version still being checked, else live.
    const base = this.runtime.running ?? live;
    let plan: ApplyPlan = planApply({ running: this.keeper.master !== null, live: base, candidate });
    if (plan.method === 'runtime' && !o.runtimeUpdates) plan = { method: 'reload', reason: `${plan.reason}; runtime updates are off` };
    o.log.info({ rendered: pointer.id, candidate: candidate.id, live: live?.id ?? null, running: base?.id ?? null, method: plan.method, reason: plan.reason, held: candidate.held.map((h) => h.file) }, 'update planned');
    if (plan.method === 'none' && this.runtime.running) {
      // HAProxy already runs it; its check (under way) publishes it and records the outcome.
    } else if (plan.method === 'none') {
      await this.outcomes.applied(live!.id, await this.keeper.report(), { rendered: pointer.id });
    } else if (plan.method === 'runtime') {
      await this.runtimeUpdate(candidate, live!, plan.changes, plan.reason);
    } else {
      await this.checkThen(candidate, live, plan.method, plan.reason);
    }
    await this.outcomes.publish();
  }

  /** Server-only changes through the runtime API; a batch it will not take goes the checked reload path. */
  private async runtimeUpdate(candidate: Candidate, live: LiveVersion, changes: ServerChange[], reason: string): Promise<void> {
    const fallback = await this.runtime.update(candidate, changes, reason);
    if (!fallback) return;
    await this.checkThen(candidate, live, 'reload', fallback.reason);
    // Refused half way and the candidate did not go live: HAProxy still runs the commands
    // that were accepted, which no checked version describes. Drop them.
    if (fallback.failure === 'refused' && this.keeper.master && (await this.o.live.current())?.id !== candidate.id) {
      await this.reloads.live('undo the accepted commands of a refused runtime update whose version did not go live', candidate.rendered.id);
    }
  }

  /** `haproxy -c` (holding the files it fails on), then start or reload the candidate that passed. */
  private async checkThen(planned: Candidate, live: LiveVersion | null, method: 'start' | 'reload', reason: string): Promise<void> {
    const candidate = await this.validate(planned);
    if (!candidate) return;
    if (method === 'start') return this.startCandidate(candidate, live?.id ?? null);
    const wait = this.reloads.waitMs();
    if (wait > 0) {
      // Coalesce a burst: after one reload, the next waits out the interval and then
      // applies only the newest version (the queue takes it next if this one is stale).
      await sleep(wait);
      if (this.queue.superseded(candidate.rendered.id)) return;
    }
    await this.reloads.candidate(candidate, live, reason);
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
      await this.outcomes.invalid(checked.error, planned.rendered.id);
      return null;
    }
    const { candidate } = checked;
    this.held.planning(candidate, planned);
    if (checked.warnings.length > 0) o.log.warn({ rendered: candidate.rendered.id, warnings: checked.warnings.map((w) => w.message) }, 'haproxy -c warnings');
    return candidate;
  }

  /** No HAProxy runs: publish the candidate and start it; if it does not start, back to `previous` and restart with backoff. */
  private async startCandidate(candidate: Candidate, previous: string | null): Promise<void> {
    const { o } = this;
    await o.live.publish(candidate);
    try {
      const master = await this.keeper.start();
      o.log.info({ pid: master.pid, live: candidate.id }, 'HAProxy started');
      this.outcomes.reached(candidate.rendered.id, 'start');
      await this.outcomes.applied(candidate.id, await this.keeper.report(), { rendered: candidate.rendered.id });
    } catch (err) {
      if (previous) await o.live.restore(previous);
      o.log.error({ err, candidate: candidate.id, restored: previous }, 'HAProxy did not start with the new version');
      await this.outcomes.rejected(withLocation(err, candidate), { current: previous, rendered: candidate.rendered.id });
      this.keeper.restartSoon();
    }
  }
}
