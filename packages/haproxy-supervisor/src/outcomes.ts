import { TextfileWriter } from '@api-server/core';
import type { ChangeTimes } from './change-times.js';
import { heldError, type HeldRecord } from './held-record.js';
import { setLiveVersion, TEXTFILE_FAMILIES } from './metrics.js';
import type { SupervisorOptions } from './supervisor-options.js';

/** The state file's `haproxy` block (MasterKeeper.report builds it). */
export type HaproxyBlock = Record<string, unknown>;

/** Why a server-only version left the runtime path (metric label and state `lastRuntimeFallback.failure`). */
export type RuntimeFailure = 'unsafe' | 'refused' | 'check-failed';

/**
 * The one place an outcome of the supervisor is recorded: the metrics, the state file
 * (ok, degraded while files are held or the newest version is not live, failing) and the
 * textfile for node-exporter. It also remembers why the newest rendered version is not
 * live, so a restart of HAProxy (which runs the last good version again) stays degraded.
 */
export class Outcomes {
  /** Why the newest rendered version is not live (null: it is); kept across HAProxy restarts. */
  private applyError: unknown = null;

  private readonly textfile: TextfileWriter;

  constructor(
    private readonly o: Pick<SupervisorOptions, 'metrics' | 'state' | 'log' | 'sharedDir' | 'component' | 'registry'>,
    private readonly held: HeldRecord,
    private readonly times: ChangeTimes,
  ) {
    this.textfile = new TextfileWriter({
      sharedDir: o.sharedDir,
      component: o.component,
      registry: o.registry,
      families: TEXTFILE_FAMILIES,
      onError: (err) => o.log.warn({ err }, 'could not write the textfile'),
    });
  }

  /** Every haproxy -c run counts: the failed ones that held files (or rejected), then the one that passed. */
  countChecks(checked: { valid: boolean; invalid: number }): void {
    const { o } = this;
    if (checked.invalid > 0) o.metrics.configChecks.inc({ result: 'invalid' }, checked.invalid);
    if (checked.valid) o.metrics.configChecks.inc({ result: 'valid' });
    o.metrics.configValid.set(checked.valid ? 1 : 0);
    if (checked.invalid > 0) o.state.count('checksInvalid', checked.invalid);
    if (checked.valid) o.state.count('checksValid');
  }

  /** `rendered` runs in HAProxy now: the change-to-apply histogram, and `lastChange` for the next state write. */
  reached(rendered: string, method: 'runtime' | 'reload' | 'start'): void {
    const lastChange = this.times.applied(rendered, method);
    if (lastChange) this.o.state.state['lastChange'] = lastChange;
  }

  /** The newest rendered version is live (`liveId`, or it already was): ok, or degraded while files are held. */
  applied(liveId: string | null, haproxy: HaproxyBlock, extra: Record<string, unknown> = {}): Promise<void> {
    this.applyError = null;
    return this.ok(liveId, haproxy, extra);
  }

  /** HAProxy runs `liveId` after a start, adoption or restart: ok, unless the newest version is still not live. */
  async running(liveId: string | null, haproxy: HaproxyBlock): Promise<void> {
    if (this.applyError === null) return this.ok(liveId, haproxy);
    setLiveVersion(this.o.metrics, liveId);
    await this.o.state.failure(this.applyError, { current: liveId, haproxy });
  }

  /** The newest rendered version did not go live (rejected, or its start or reload failed); the last good one serves. */
  rejected(err: unknown, extra: Record<string, unknown>): Promise<void> {
    this.applyError = err;
    return this.o.state.failure(err, extra);
  }

  /** `haproxy -c` (or the build) rejected the whole version: logged, recorded, textfile written. */
  async invalid(err: unknown, rendered: string): Promise<void> {
    this.o.log.error({ err, rendered }, 'rendered version rejected; the live version keeps serving');
    await this.rejected(err, { rendered });
    await this.publish();
  }

  /** HAProxy itself failed (exited, did not start); the newest version's own verdict is unchanged. */
  failed(err: unknown, extra: Record<string, unknown> = {}): Promise<void> {
    return this.o.state.failure(err, extra);
  }

  /** A server-only version left the runtime path: counted, and kept in the state file. */
  fallback(failure: RuntimeFailure, reason: string, rendered: string): Promise<void> {
    this.o.metrics.runtimeFallbacks.inc({ reason: failure });
    return this.o.state.update({ lastRuntimeFallback: { failure, reason, rendered, at: new Date().toISOString() } });
  }

  /** HAProxy was reloaded into `live/current` as it is (undo, or drift): no new version, the status stays. */
  reloadedLive(haproxy: HaproxyBlock, reason: string): Promise<void> {
    return this.o.state.update({ haproxy, lastUpdate: { method: 'reload', reason, at: new Date().toISOString() } });
  }

  /** HAProxy was stopped on shutdown. */
  stopped(haproxy: HaproxyBlock): Promise<void> {
    return this.o.state.update({ haproxy });
  }

  /** The textfile for node-exporter, at most once a second (core's TextfileWriter); a failed write is logged, never fatal. */
  async publish(): Promise<void> {
    this.textfile.request();
  }

  /** At shutdown: the textfile gets the last figures now. */
  flushTextfile(): Promise<void> {
    return this.textfile.flush();
  }

  /** `liveId` runs in HAProxy: ok, or degraded (its lastError naming a held file) until nothing is held. */
  private async ok(liveId: string | null, haproxy: HaproxyBlock, extra: Record<string, unknown> = {}): Promise<void> {
    const held = this.held.live(liveId);
    setLiveVersion(this.o.metrics, liveId);
    this.o.metrics.lastReloadSuccess.set(Date.now() / 1000);
    const fields = { ...extra, held, haproxy };
    if (held.length > 0) {
      // failure() derives degraded/failing from `current`: it is live now.
      this.o.state.state.current = liveId;
      await this.o.state.failure(heldError(held, extra.rendered), { ...fields, lastSuccessAt: new Date().toISOString() });
    } else await this.o.state.success(liveId, fields);
    await this.publish();
  }
}
