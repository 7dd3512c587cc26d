/** Logs: JSON when stdout is not a terminal, human-readable lines on one (a real pseudo-terminal through script(1)). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { logFormat } from './logger.js';

const SNIPPET =
  "import('./src/shared/logger.ts').then(({ createLogger }) => createLogger('info').info({ exporter: '192.0.2.1' }, 'collector listening'))";

function run(viaTerminal: boolean, env: Record<string, string> = {}): string {
  const node = `${process.execPath} --import tsx -e "${SNIPPET}"`;
  const r = viaTerminal
    ? spawnSync('script', ['-qec', node, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, IXMETER_LOG_FORMAT: '', ...env },
      })
    : spawnSync('sh', ['-c', node], { encoding: 'utf8', env: { ...process.env, IXMETER_LOG_FORMAT: '', ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('log format', () => {
  it('is decided by the terminal, overridable', () => {
    expect(logFormat(true, undefined)).toBe('pretty');
    expect(logFormat(false, undefined)).toBe('json');
    expect(logFormat(undefined, undefined)).toBe('json');
    expect(logFormat(true, 'json')).toBe('json');
    expect(logFormat(false, 'pretty')).toBe('pretty');
    expect(logFormat(true, 'bogus')).toBe('pretty');
  });

  it('writes one JSON object per line into a pipe', () => {
    const line = JSON.parse(run(false).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'collector listening', exporter: '192.0.2.1', service: 'ixmeter' });
  });

  it('writes a readable line on a terminal', () => {
    // eslint-disable-next-line no-control-regex
    const text = run(true).replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: collector listening/m);
    expect(text).toMatch(/exporter: "192\.0\.2\.1"/);
    expect(() => JSON.parse(text.trim())).toThrow();
  });
});
