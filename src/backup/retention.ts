/**
 * Scheduled backups: `ixmeter backup --keep N PARENT` writes PARENT/ixmeter-<UTC time>/ and then keeps
 * the newest N complete backups there (a complete backup has manifest.json). Directories left by a
 * failed run (no manifest) are removed once a newer backup completed. Nothing else in PARENT is touched.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'ixmeter-';
const NAME = /^ixmeter-\d{8}T\d{6}Z$/;

export function scheduledBackupName(at = new Date()): string {
  return `${PREFIX}${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/** Remove old backups beyond `keep` (and incomplete ones older than the newest complete one); returns the removed names. */
export function pruneBackups(parent: string, keep: number): string[] {
  if (!existsSync(parent)) return [];
  const names = readdirSync(parent)
    .filter((n) => NAME.test(n))
    .sort();
  const complete = names.filter((n) => existsSync(join(parent, n, 'manifest.json')));
  const newest = complete[complete.length - 1];
  const removed = [
    ...complete.slice(0, Math.max(0, complete.length - keep)),
    ...names.filter((n) => !complete.includes(n) && newest !== undefined && n < newest),
  ];
  for (const n of removed) rmSync(join(parent, n), { recursive: true, force: true });
  return removed.sort();
}
