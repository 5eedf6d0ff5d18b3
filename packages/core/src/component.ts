import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { addressEnv, commonEnv, loadEnvOrExit, type HostPort } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createRegistry } from './metrics.js';
import { heartbeat, startObservabilityServer, type Probe } from './server.js';
import { handleShutdown } from './shutdown.js';
import { StateReporter } from './state.js';

/** What a component's `start` receives: everything wired, nothing to set up again. */
export interface ComponentContext<E> {
  env: E & { SHARED_DIR: string; LOG_LEVEL: string; METRICS_ADDR: HostPort };
  log: Logger;
  registry: Registry;
  state: StateReporter;
  signal: AbortSignal;
  /** Call from the main loop; `/healthz` fails when it stops being called. */
  beat(): void;
}

export interface ComponentHandle {
  /** `/readyz`: null when ready, else the reason. */
  ready: Probe;
  /** Runs on SIGTERM after the signal aborted: finish the current step, release resources. */
  stop?: () => Promise<void>;
}

/** The package.json version of the running component, for state files. */
export function packageVersion(metaUrl: string): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', metaUrl), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The entry point every component shares: validated environment (exit 2 on a bad
 * value), JSON logger, metrics registry, state file, `/metrics` `/healthz` `/readyz`,
 * and graceful SIGTERM. `start` wires the component's own sources and outputs.
 */
export async function runComponent<S extends z.ZodRawShape>(opts: {
  component: string;
  version: string;
  defaultMetricsAddr: string;
  env: S;
  envPrefixes?: string[];
  /** Longest time the main loop may stay silent before /healthz fails. */
  maxSilenceMs?: number;
  start: (ctx: ComponentContext<z.infer<z.ZodObject<S>>>) => Promise<ComponentHandle>;
}): Promise<void> {
  const shape = { ...commonEnv, METRICS_ADDR: addressEnv(opts.defaultMetricsAddr), ...opts.env };
  const env = loadEnvOrExit(opts.component, shape, opts.envPrefixes) as unknown as ComponentContext<z.infer<z.ZodObject<S>>>['env'];
  const log = createLogger(opts.component, env.LOG_LEVEL);
  const registry = createRegistry();
  const state = new StateReporter({ sharedDir: env.SHARED_DIR, component: opts.component, version: opts.version });
  const pulse = heartbeat(opts.maxSilenceMs ?? 120_000);
  let handle: ComponentHandle | undefined;
  let closeServer: (() => Promise<void>) | undefined;

  const controller = handleShutdown(log, async () => {
    await handle?.stop?.();
    await state.flush().catch(() => undefined);
    await closeServer?.();
  });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  const server = await startObservabilityServer({
    address: env.METRICS_ADDR,
    registry,
    healthy: pulse.probe,
    ready: () => (handle ? handle.ready() : 'starting'),
  });
  closeServer = server.close;
  handle = await opts.start({ env, log, registry, state, signal: controller.signal, beat: pulse.beat });
  log.info({ metrics: `${env.METRICS_ADDR.host}:${server.port}`, sharedDir: env.SHARED_DIR }, 'started');
  await state.flush();
}
