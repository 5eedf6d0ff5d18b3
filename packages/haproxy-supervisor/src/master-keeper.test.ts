import type { ProcTable } from './haproxy/show-proc.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, StateReporter } from '@api-server/core';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeTimes } from './change-times.js';
import type { Master } from './haproxy/master.js';
import type { MasterLog } from './haproxy/master-log.js';
import { HeldRecord } from './held-record.js';
import { MasterKeeper, type MasterProcs } from './master-keeper.js';
import { createSupervisorMetrics } from './metrics.js';
import { Outcomes } from './outcomes.js';
import type { LiveStore } from './outputs/live.js';
import { Serial } from './serial.js';
import { supervisorError } from './error-codes.js';

/** A fake master whose exit the test decides. */
function fakeMaster(pid: number): Master & { exit: () => void } {
  let exit = () => {};
  const exited = new Promise<void>((resolve) => (exit = resolve));
  return { pid, adopted: false, exited, exit };
}

const until = async (what: () => boolean, timeoutMs = 2000) => {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('MasterKeeper', () => {
  let dir: string;
  let settle: () => Promise<void>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keeper-'));
  });
  afterEach(async () => {
    // Let the writes a test left under way land before the directory goes.
    await settle();
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  /** A keeper over fake processes: `starts` answers each start in turn (a Master, or an Error to throw). */
  function setup(starts: Array<Master | Error>, showProc: MasterProcs['showProc'] = async () => null) {
    const controller = new AbortController();
    const registry = new Registry();
    const metrics = createSupervisorMetrics(registry);
    const log = createLogger('test', 'silent');
    const state = new StateReporter({ sharedDir: dir, component: 'haproxy-supervisor', version: 't' });
    // Every failure the keeper records, in order (a later success clears lastError).
    const failures: unknown[] = [];
    const failure = state.failure.bind(state);
    state.failure = (err, extra) => (failures.push((err as { code?: unknown }).code), failure(err, extra));
    const live = { current: async () => ({ id: 'live-1', dir, files: [] }), currentPath: join(dir, 'live', 'current') } as unknown as LiveStore;
    const o = {
      paths: { bin: 'haproxy', config: '', masterSocket: '', pidFile: '', adminSocket: '', serverStateFile: '' },
      masterLog: {} as MasterLog,
      live,
      metrics,
      log,
      state,
      stopTimeoutMs: 1000,
      drainSeconds: 0,
      signal: controller.signal,
      sharedDir: dir,
      component: 'haproxy-supervisor',
      registry,
    };
    const outcomes = new Outcomes(o, new HeldRecord(log, metrics.heldFiles), new ChangeTimes(join(dir, 'rendered'), metrics));
    const calls = { start: 0, stop: [] as number[], attached: 0 };
    const procs: MasterProcs = {
      adopt: async () => null,
      start: async () => {
        const next = starts[calls.start++];
        if (!next) throw new Error('no more starts');
        if (next instanceof Error) throw next;
        return next;
      },
      stop: async (master) => void calls.stop.push(master.pid),
      showProc,
    };
    const keeper = new MasterKeeper(o, new Serial(), outcomes, () => calls.attached++, { procs, backoff: { initialMs: 1, maxMs: 4, factor: 2 } });
    settle = async () => {
      controller.abort();
      await new Promise((r) => setTimeout(r, 30));
      await state.flush();
    };
    const fileState = async () => JSON.parse(await readFile(join(dir, 'state', 'haproxy-supervisor.json'), 'utf8'));
    return { keeper, calls, controller, state, failures, fileState };
  }

  const startFailed = () => supervisorError('HAPROXY_START_FAILED', 'HAProxy did not start: test');

  it("reports the same master's process table for a second without asking again; a table passed in is kept", async () => {
    const table = (reloads: number) => ({ master: { pid: 11, reloads, failedReloads: 0 }, workers: [{ pid: 20 + reloads, reloads, uptime: '0d00h00m01s' }] }) as unknown as ProcTable;
    let asked = 0;
    const { keeper } = setup([fakeMaster(11)], async () => table(++asked));
    await keeper.init({ id: 'live-1', dir, files: [] });
    await until(() => keeper.phase === 'running');
    // The start asked once; the reports right after reuse that table.
    expect(asked).toBe(1);
    expect((await keeper.report()).reloads).toBe(1);
    expect((await keeper.report()).reloads).toBe(1);
    expect(asked).toBe(1);
    // A reload hands the keeper its fresh table: that is what the next reports say.
    expect((await keeper.report(table(7))).reloads).toBe(7);
    expect((await keeper.report()).reloads).toBe(7);
    expect(asked).toBe(1);
    // A second later the master is asked again.
    await new Promise((r) => setTimeout(r, 1050));
    expect((await keeper.report()).reloads).toBe(2);
    expect(asked).toBe(2);
  });

  it('starts from live/current at init; after failed starts it retries with backoff until one runs', async () => {
    const m = fakeMaster(11);
    const { keeper, calls, state, failures, fileState } = setup([startFailed(), startFailed(), m]);
    await keeper.init({ id: 'live-1', dir, files: [] });
    expect(keeper.phase).toBe('restarting');
    await until(() => keeper.phase === 'running');
    expect(calls.start).toBe(3);
    expect(keeper.master).toBe(m);
    expect(calls.attached).toBe(1);
    expect(state.state.counters.restarts).toBe(1);
    expect(failures).toEqual(['HAPROXY_START_FAILED', 'HAPROXY_START_FAILED']);
    await until(() => state.state.status === 'ok');
    await state.flush();
    expect((await fileState()).haproxy).toMatchObject({ running: true, phase: 'running', masterPid: 11 });
  });

  it('an unexpected exit is recorded (HAPROXY_EXITED) and HAProxy restarted', async () => {
    const first = fakeMaster(21);
    const second = fakeMaster(22);
    const { keeper, calls, state, failures } = setup([first, second]);
    await keeper.init({ id: 'live-1', dir, files: [] });
    expect(keeper.master).toBe(first);
    first.exit();
    await until(() => keeper.master === second);
    expect(failures).toEqual(['HAPROXY_EXITED']);
    await until(() => state.state.status === 'ok');
    expect(calls.attached).toBe(2);
    expect(state.state.counters.restarts).toBe(1);
  });

  it('the shutdown signal ends the retries', async () => {
    const { keeper, calls, controller } = setup(Array.from({ length: 1000 }, startFailed));
    await keeper.init({ id: 'live-1', dir, files: [] });
    await until(() => calls.start >= 3);
    controller.abort();
    await new Promise((r) => setTimeout(r, 20));
    const after = calls.start;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.start).toBe(after);
    expect(keeper.master).toBeNull();
  });

  it('stop: the master is stopped, its exit then is not a crash, the phase ends stopped', async () => {
    const m = fakeMaster(31);
    const { keeper, calls, state, fileState } = setup([m]);
    await keeper.init({ id: 'live-1', dir, files: [] });
    await keeper.stop();
    m.exit();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.stop).toEqual([31]);
    expect(calls.start).toBe(1);
    expect(keeper.phase).toBe('stopped');
    expect(state.state.lastError).toBeNull();
    await state.flush();
    expect((await fileState()).haproxy).toMatchObject({ running: false, phase: 'stopped' });
  });

  it('no live version at start: nothing started, nothing retried', async () => {
    const { keeper, calls } = setup([fakeMaster(41)]);
    await keeper.init(null);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.start).toBe(0);
    expect(keeper.phase).toBe('down');
  });
});
