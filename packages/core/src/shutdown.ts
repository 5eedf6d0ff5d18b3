import type { Logger } from 'pino';

/**
 * On SIGTERM or SIGINT: abort the returned signal so loops finish their current step,
 * run `stop` (close servers, drain), then exit 0. A second signal exits at once.
 */
export function handleShutdown(log: Logger, stop: (signal: AbortSignal) => Promise<void>): AbortController {
  const controller = new AbortController();
  let stopping = false;
  const onSignal = (name: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal: name }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal: name }, 'shutting down');
    controller.abort();
    stop(controller.signal).then(
      () => {
        log.info('stopped');
        log.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller;
}
