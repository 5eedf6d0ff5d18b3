import type { Logger, StateReporter } from '@api-server/core';
import type { Registry } from 'prom-client';
import type { Candidate } from './candidate.js';
import type { MasterLog } from './haproxy/master-log.js';
import type { MasterPaths } from './haproxy/master.js';
import type { SupervisorMetrics } from './metrics.js';
import type { LiveStore } from './outputs/live.js';
import type { RuntimeApplier } from './runtime/apply.js';

export interface SupervisorOptions {
  component: string;
  sharedDir: string;
  bin: string;
  paths: MasterPaths & { adminSocket: string; serverStateFile: string };
  masterLog: MasterLog;
  live: LiveStore;
  globalText: string;
  drainSeconds: number;
  bindCheck: boolean;
  stopTimeoutMs: number;
  /** Reloads start at least this far apart (leading edge: an isolated change reloads at once). */
  minReloadIntervalMs: number;
  /** A removed server still holding connections after this long is dropped by a reload. */
  deleteTimeoutMs: number;
  /** False: every change reloads (the runtime path off). */
  runtimeUpdates: boolean;
  applier: RuntimeApplier;
  log: Logger;
  state: StateReporter;
  metrics: SupervisorMetrics;
  registry: Registry;
  /** Aborts when shutdown begins (SIGTERM): no restart, check or sweep starts after it. */
  signal: AbortSignal;
}

/** A version applied through the runtime API, waiting for its `haproxy -c` to be published. */
export interface AppliedVersion {
  candidate: Candidate;
  lastUpdate: { method: 'runtime'; reason: string; at: string; commands: number };
}
