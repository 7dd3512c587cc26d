/**
 * Process lifecycle: SIGINT/SIGTERM run the registered stop steps in order (stop listeners, drain,
 * flush, close storage and Redis) and exit 0; a second signal or a stuck step forces exit 1.
 * An uncaught exception or unhandled rejection is logged as fatal and exits non-zero.
 */
import type { Logger } from '../shared/logger.js';

export interface StopStep {
  name: string;
  run: () => Promise<void> | void;
}

export function installLifecycle(
  log: Logger,
  steps: StopStep[],
  opts: { timeoutMs?: number; exit?: (code: number) => void } = {},
) {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | null = null;

  async function stop(reason: string): Promise<void> {
    if (stopping) return stopping;
    log.info({ reason }, 'shutting down');
    stopping = (async () => {
      let failed = false;
      for (const step of steps) {
        try {
          await step.run();
          log.debug({ step: step.name }, 'stopped');
        } catch (err) {
          failed = true;
          log.error({ err, step: step.name }, 'shutdown step failed');
        }
      }
      log.info({ failed }, 'shutdown complete');
      exit(failed ? 1 : 0);
    })();
    const timer = setTimeout(() => {
      log.fatal({ timeoutMs: opts.timeoutMs ?? 30_000 }, 'shutdown timed out');
      exit(1);
    }, opts.timeoutMs ?? 30_000);
    timer.unref();
    return stopping;
  }

  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal: sig }, 'second signal: exiting now');
      exit(1);
      return;
    }
    void stop(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    setTimeout(() => exit(1), 200).unref();
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection');
    setTimeout(() => exit(1), 200).unref();
  });
  return { stop };
}
