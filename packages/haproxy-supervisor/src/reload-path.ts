import type { PipelineError } from '@api-server/core';
import { newBinds } from '@api-server/haproxy';
import type { Candidate } from './candidate.js';
import { supervisorError } from './error-codes.js';
import { findBindConflict } from './haproxy/bind-probe.js';
import { reloadMaster, type ReloadOutcome } from './haproxy/reload.js';
import { configuredServers, type ConfiguredServers } from './haproxy/server-state.js';
import type { ProcTable } from './haproxy/show-proc.js';
import type { MasterKeeper } from './master-keeper.js';
import type { Outcomes } from './outcomes.js';
import type { LiveVersion } from './outputs/live.js';
import { withLocation } from './report.js';
import type { CheckedVersions } from './runtime/checked-versions.js';
import type { RuntimePath } from './runtime-path.js';
import type { SupervisorOptions } from './supervisor-options.js';

/** The parts of the supervisor this path works with. */
export interface ReloadPathParts {
  checked: CheckedVersions;
  outcomes: Outcomes;
  keeper: MasterKeeper;
  runtime: RuntimePath;
}

/**
 * Reloads through the master CLI (seamless: the old worker keeps its connections): into a
 * checked candidate, or into `live/current` as it is (undo). Call inside the Serial.
 */
export class ReloadPath {
  private lastReloadAt = 0;

  constructor(
    private readonly o: SupervisorOptions,
    private readonly p: ReloadPathParts,
  ) {}

  /** How long the next reload must wait to keep `HAPROXY_MIN_RELOAD_INTERVAL` after the last one (<= 0: none). */
  waitMs(): number {
    return this.lastReloadAt + this.o.minReloadIntervalMs - Date.now();
  }

  /**
   * Publishes `candidate` (it passed `haproxy -c`) and reloads into it, after probing its
   * new binds. On failure `live/current` names the previous version again and
   * RELOAD_FAILED is reported with the file and line HAProxy named.
   */
  async candidate(candidate: Candidate, live: LiveVersion | null, reason: string): Promise<void> {
    const { o, p } = this;
    const previous = live?.id ?? null;
    const conflict = o.bindCheck ? await findBindConflict(newBinds(live?.files ?? null, candidate.files)) : null;
    if (conflict) {
      const { bind, code } = conflict;
      const err = supervisorError(
        'RELOAD_FAILED',
        `not reloading to ${candidate.id}: ${bind.file}:${bind.line} binds ${bind.host || '*'}:${bind.port}, which another process holds (${code}); the previous worker keeps serving`,
        { context: { candidate: candidate.id, rendered: candidate.rendered.id, reason: 'bind-conflict', errno: code, file: bind.file, line: bind.line } },
      );
      return this.failed(err, candidate, previous);
    }
    p.checked.add(candidate.id);
    await o.live.publish(candidate);
    const { outcome, seconds } = await this.reload(configuredServers(candidate.files), candidate.rendered.id);
    if (outcome.ok) {
      p.outcomes.reached(candidate.rendered.id, 'reload');
      if (outcome.warnings.length > 0) o.log.warn({ warnings: outcome.warnings.map((w) => w.message) }, 'new worker startup warnings');
      o.log.info({ live: candidate.id, rendered: candidate.rendered.id, seconds, worker: outcome.table.workers[0]?.pid }, 'reloaded');
      const lastUpdate = { method: 'reload', reason, at: new Date().toISOString() };
      return p.outcomes.applied(candidate.id, await p.keeper.report(outcome.table), { rendered: candidate.rendered.id, lastUpdate });
    }
    if (previous) await o.live.restore(previous);
    const alert = outcome.diagnostics.find((d) => d.level === 'alert' && d.file) ?? outcome.diagnostics.find((d) => d.level === 'alert');
    const err = supervisorError('RELOAD_FAILED', `reload to ${candidate.id} failed, the previous worker keeps serving: ${alert?.message ?? outcome.reason}`, {
      context: { candidate: candidate.id, rendered: candidate.rendered.id, reason: 'start-failed', file: alert?.file, line: alert?.line, output: outcome.output.slice(-2000) },
    });
    await this.failed(err, candidate, previous, outcome.table);
  }

  /**
   * Reloads the live version as it is (HAProxy drifted from it); the old worker keeps
   * its connections. Runtime-applied versions not yet published are dropped either way
   * (if the reload failed, the next plan's commands are refused and reload instead).
   */
  async live(reason: string, except: string | null = null): Promise<void> {
    const { o, p } = this;
    const live = await o.live.current();
    if (!live) return;
    o.log.warn({ reason, live: live.id }, 'reloading the live version');
    const { outcome } = await this.reload(configuredServers(live.files), except);
    if (outcome.ok) return p.outcomes.reloadedLive(await p.keeper.report(outcome.table), reason);
    p.runtime.forget(except);
    o.metrics.reloads.inc({ result: 'failure' });
    o.log.error({ reason: outcome.reason }, 'reload of the live version failed');
  }

  /** One reload of `live/current` and what every successful one means: HAProxy runs files only, counted once. */
  private async reload(servers: ConfiguredServers, except: string | null): Promise<{ outcome: ReloadOutcome; seconds: number }> {
    const { o, p } = this;
    this.lastReloadAt = Date.now();
    const started = process.hrtime.bigint();
    const outcome = await reloadMaster({ ...o.paths, config: o.live.currentPath, log: o.masterLog, servers });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    o.metrics.reloadDuration.observe(seconds);
    if (outcome.ok) {
      p.runtime.reset(except);
      o.metrics.reloads.inc({ result: 'success' });
      o.metrics.updates.inc({ method: 'reload' });
      o.state.count('reloadsOk');
    }
    return { outcome, seconds };
  }

  /** The candidate did not go live; `table` is the master's after the attempt (undefined: ask it). */
  private async failed(err: PipelineError, candidate: Candidate, previous: string | null, table?: ProcTable | null): Promise<void> {
    const { o, p } = this;
    o.metrics.reloads.inc({ result: 'failure' });
    o.state.count('reloadsFailed');
    const located = withLocation(err, candidate);
    o.log.error({ err: located }, 'reload failed; live/current names the last good version');
    await p.outcomes.rejected(located, { current: previous, rendered: candidate.rendered.id, haproxy: await p.keeper.report(table) });
  }
}
