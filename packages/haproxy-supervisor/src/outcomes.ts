import { writeTextfile } from '@api-server/core';
import { heldError, type HeldRecord } from './held-record.js';
import { setLiveVersion, TEXTFILE_FAMILIES } from './metrics.js';
import type { SupervisorOptions } from './supervisor-options.js';

/**
 * The one place an outcome of the supervisor is recorded: the metrics, the state file
 * (ok, or degraded while files are held) and the textfile for node-exporter.
 */
export class Outcomes {
  constructor(
    private readonly o: Pick<SupervisorOptions, 'metrics' | 'state' | 'log' | 'sharedDir' | 'component' | 'registry'>,
    private readonly held: HeldRecord,
  ) {}

  /** Every haproxy -c run counts: the failed ones that held files (or rejected), then the one that passed. */
  countChecks(checked: { valid: boolean; invalid: number }): void {
    const { o } = this;
    if (checked.invalid > 0) o.metrics.configChecks.inc({ result: 'invalid' }, checked.invalid);
    if (checked.valid) o.metrics.configChecks.inc({ result: 'valid' });
    o.metrics.configValid.set(checked.valid ? 1 : 0);
    if (checked.invalid > 0) o.state.count('checksInvalid', checked.invalid);
    if (checked.valid) o.state.count('checksValid');
  }

  /** `liveId` runs in HAProxy: ok, or degraded (its lastError naming a held file) until nothing is held. */
  async ok(liveId: string | null, haproxy: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
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

  /** The textfile for node-exporter; a failed write is logged, never fatal. */
  async publish(): Promise<void> {
    await writeTextfile(this.o.sharedDir, this.o.component, this.o.registry, TEXTFILE_FAMILIES).catch((err: unknown) =>
      this.o.log.warn({ err }, 'could not write the textfile'),
    );
  }
}
