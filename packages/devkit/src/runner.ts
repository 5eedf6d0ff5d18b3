import type { ProcessPlan } from './pod-plan.js';

/** Where a runner puts what it shares with the pod: logs, volumes, the echo of container output. */
export interface RunnerContext {
  workDir: string;
  logDir: string;
  /** Volumes backed by a fixed host path instead of `workDir/volumes/<name>` (hostPath volumes). */
  hostPaths: Record<string, string>;
  echo?: ((container: string, line: string) => void) | undefined;
}

/** One started container, whatever runs it. */
export interface RunningContainer {
  readonly plan: ProcessPlan;
  /** The host pid of the container's main process, when the runner knows one. */
  readonly pid: number | undefined;
  /** Resolves with the exit code once the container stopped. */
  readonly exited: Promise<number | null>;
  /** Stops the container and everything it started: SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/**
 * How the local pod runs its containers. `ProcessRunner` runs each as a local
 * process group; another implementation (real containers from the images) plugs in
 * here: `DevPod` only plans, prepares, starts and stops through this interface.
 */
export interface PodRunner {
  /** Shown in the banner and dev.json (`processes`, ...). */
  readonly kind: string;
  /** Lays out the pod's volumes once, before the first container starts. */
  prepare(plans: readonly ProcessPlan[], ctx: RunnerContext): Promise<void>;
  /** Starts one container; the pod stops it (reverse start order) through the handle. */
  start(plan: ProcessPlan, ctx: RunnerContext): Promise<RunningContainer>;
}
