import { backoffDelay, describeError, pause, retryForever, type Logger, type StateReporter } from '@api-server/core';
import type { ConsulAgent } from './outputs/consul-agent.js';
import type { EngineClient } from './sources/engine-client.js';
import { RELEVANT_ACTIONS } from './sources/engine-events.js';
import type { RegistratorMetrics } from './metrics.js';
import type { ReconcileOutcome, Reconciler } from './reconciler.js';
import type { Wakeup } from './wakeup.js';

export interface LoopDeps {
  engine: EngineClient;
  consul: ConsulAgent;
  reconciler: Reconciler;
  wakeup: Wakeup;
  metrics: RegistratorMetrics;
  state: StateReporter;
  log: Logger;
  signal: AbortSignal;
  beat: () => void;
}

const BACKOFF = { initialMs: 200, maxMs: 10_000, factor: 2 };
/** A stream that stayed open this long was healthy: its next failure starts the backoff over. */
const HEALTHY_STREAM_MS = 10_000;
/** A second pass this long after a container died. */
const SETTLE_MS = 1_000;

/**
 * The one loop that changes anything: waits for a request (event, reconnect, agent
 * change) or the resync timer, lets a burst settle for `debounceMs`, then runs full
 * passes until one succeeds (backoff forever, consul-template #2045). Outcomes are
 * recorded in one place: `record`.
 */
export async function reconcileLoop(deps: LoopDeps, opts: { resyncMs: number; debounceMs: number }): Promise<void> {
  const { signal, wakeup } = deps;
  const logged = new Set<string>();
  let nextResync = Date.now() + opts.resyncMs;
  wakeup.request('start');
  while (!signal.aborted) {
    deps.beat();
    const reasons = await wakeup.wait(Math.max(0, nextResync - Date.now()), signal);
    if (signal.aborted) break;
    if (reasons.includes('resync') || Date.now() >= nextResync) {
      // The periodic pass reads every container afresh: whatever events were missed, it converges.
      deps.reconciler.forget();
      nextResync = Date.now() + opts.resyncMs;
    }
    if (opts.debounceMs > 0 && !(await pause(opts.debounceMs, signal))) break;
    reasons.push(...wakeup.drain());
    try {
      await retryForever(
        async () => {
          deps.beat();
          deps.state.attempt();
          const end = deps.metrics.duration.startTimer();
          const outcome = await deps.reconciler.run(signal);
          end();
          return outcome;
        },
        {
          signal,
          backoff: BACKOFF,
          onError: (err, attempt, delayMs) => {
            deps.metrics.passes.inc({ result: 'error' });
            deps.log.warn({ err, attempt, retryInMs: delayMs }, 'reconcile failed; retrying');
            void deps.state.failure(err).catch(() => undefined);
          },
        },
      ).then((outcome) => record(deps, outcome, reasons, logged));
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }
}

async function record(deps: LoopDeps, o: ReconcileOutcome, reasons: string[], logged: Set<string>): Promise<void> {
  const { metrics, state, log } = deps;
  metrics.passes.inc({ result: 'ok' });
  metrics.changes.inc({ op: 'register' }, o.added.length);
  metrics.changes.inc({ op: 'update' }, o.updated.length);
  metrics.changes.inc({ op: 'deregister' }, o.removed.length);
  metrics.services.set(o.services);
  metrics.containers.set({ outcome: 'refused' }, o.refused.length);
  metrics.containers.set({ outcome: 'ignored' }, o.ignored);
  metrics.containers.set({ outcome: 'registered' }, o.containers - o.refused.length - o.ignored);
  metrics.lastSuccess.set(Date.now() / 1000);
  state.count('registered', o.added.length);
  state.count('updated', o.updated.length);
  state.count('deregistered', o.removed.length);
  // Each refusal is logged once per container, not on every pass.
  for (const r of o.refused) {
    if (!logged.has(r.id)) log.warn({ code: 'LABELS_REFUSED', container: r.container, containerId: r.id, problems: r.problems }, 'container not registered: bad labels');
  }
  logged.clear();
  for (const r of o.refused) logged.add(r.id);
  if (o.added.length || o.updated.length || o.removed.length) {
    log.info({ reasons, added: o.added, updated: o.updated, removed: o.removed, unchanged: o.unchanged }, 'agent services changed');
  } else {
    log.debug({ reasons, unchanged: o.unchanged }, 'in sync');
  }
  await state.success(`${o.services} services`, { services: o.services, containers: o.containers, refused: o.refused }).catch(() => undefined);
}

/**
 * Follows the engine's event stream for as long as the process runs. Each relevant
 * event asks for a pass (and drops the container's cached inspect on a (re)start);
 * every (re)connection asks for a full pass, since events may have been missed while
 * the stream was down (an engine restart, the registrator's own start).
 */
export async function engineEventsLoop(deps: LoopDeps): Promise<void> {
  const { signal, metrics, log } = deps;
  let attempt = 0;
  while (!signal.aborted) {
    const opened = Date.now();
    try {
      await deps.engine.events({
        signal,
        onOpen: () => {
          metrics.engineUp.set(1);
          deps.wakeup.request('engine-connected');
          log.info({ engine: deps.engine.where }, 'engine event stream open');
        },
        onEvent: (e) => {
          if (!RELEVANT_ACTIONS.has(e.action)) return;
          metrics.events.inc();
          // Inspect it afresh: the engine's container list can still show a container as
          // running when its `die` event arrives (seen with 20.10), inspect does not.
          deps.reconciler.forget(e.id);
          deps.wakeup.request(`event:${e.action}`);
          // And look once more a moment later, in case the engine's own view lagged further.
          if (e.action === 'die') setTimeout(() => deps.wakeup.request('settle'), SETTLE_MS).unref();
        },
        onSkipped: () => metrics.badEvents.inc(),
      });
      if (signal.aborted) break;
      log.warn({ engine: deps.engine.where }, 'engine closed the event stream; reconnecting');
    } catch (err) {
      if (signal.aborted) break;
      log.warn({ err: describeError(err), engine: deps.engine.where }, 'engine event stream failed; reconnecting');
    }
    metrics.engineUp.set(0);
    attempt = Date.now() - opened > HEALTHY_STREAM_MS ? 1 : attempt + 1;
    if (!(await pause(backoffDelay(attempt, BACKOFF), signal))) break;
  }
  metrics.engineUp.set(0);
}

/**
 * A blocking watch on the agent's service list (its content hash): when the agent
 * restarted (its services gone, or a data dir wiped) or someone changed our services,
 * a pass puts them back without waiting for the resync timer. Our own changes wake it
 * too; the pass that follows finds nothing to do.
 */
export async function consulWatchLoop(deps: LoopDeps, waitS = 300): Promise<void> {
  const { signal, metrics } = deps;
  let hash: string | undefined;
  let attempt = 0;
  while (!signal.aborted) {
    try {
      const next = await deps.consul.waitForChange(hash, waitS, signal);
      metrics.consulWatchUp.set(1);
      if ((hash !== undefined && next !== hash) || attempt > 0) deps.wakeup.request('agent-changed');
      hash = next;
      attempt = 0;
    } catch (err) {
      if (signal.aborted) break;
      metrics.consulWatchUp.set(0);
      attempt++;
      if (attempt === 1) deps.log.warn({ err: describeError(err) }, 'consul agent watch failed; retrying');
      if (!(await pause(backoffDelay(attempt, BACKOFF), signal))) break;
    }
  }
}
