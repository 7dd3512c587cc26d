import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * JSON lines for journald, Loki and files when stdout is not a terminal; human-readable lines (pino-pretty)
 * on a terminal. `IXMETER_LOG_FORMAT=json|pretty` in the environment overrides the guess.
 */
export function logFormat(
  isTTY: boolean | undefined,
  override: string | undefined = process.env.IXMETER_LOG_FORMAT,
): 'json' | 'pretty' {
  if (override === 'json' || override === 'pretty') return override;
  return isTTY ? 'pretty' : 'json';
}

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  const opts: LoggerOptions = {
    level,
    base: { service: 'ixmeter', ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.password', '*.token'], censor: '[redacted]' },
  };
  if (logFormat(process.stdout.isTTY) === 'pretty') {
    return pino(
      opts,
      pretty({
        colorize: Boolean(process.stdout.isTTY),
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service',
      }),
    );
  }
  return pino(opts);
}
