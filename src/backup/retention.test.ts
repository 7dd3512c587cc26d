import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/helpers/env.js';
import { pruneBackups, scheduledBackupName } from './retention.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

describe('scheduled backup retention', () => {
  it('keeps the newest N complete backups, removes failed runs older than the newest, touches nothing else', () => {
    expect(scheduledBackupName(new Date('2026-12-04T02:30:05.123Z'))).toBe('ixmeter-20261204T023005Z');
    const mk = (name: string, complete: boolean) => {
      mkdirSync(join(dir.path, name), { recursive: true });
      if (complete) writeFileSync(join(dir.path, name, 'manifest.json'), '{}');
    };
    for (let d = 1; d <= 5; d++) mk(`ixmeter-2026120${d}T020000Z`, true);
    mk('ixmeter-20261203T030000Z', false); // a failed run
    mk('ixmeter-20261206T020000Z', false); // running now (newer than every complete one)
    mk('my-notes', false);
    expect(pruneBackups(dir.path, 3)).toEqual([
      'ixmeter-20261201T020000Z',
      'ixmeter-20261202T020000Z',
      'ixmeter-20261203T030000Z',
    ]);
    expect(readdirSync(dir.path).sort()).toEqual([
      'ixmeter-20261203T020000Z',
      'ixmeter-20261204T020000Z',
      'ixmeter-20261205T020000Z',
      'ixmeter-20261206T020000Z',
      'my-notes',
    ]);
    expect(existsSync(join(dir.path, 'my-notes'))).toBe(true);
  });
});
