/**
 * No machine-absolute paths in the code (#14 item 8): a string that starts with a home, work or temp directory
 * only works on the machine it was written on. Paths come from the repository (packageRoot(), ../shared/corpus
 * through tests/helpers/corpus.ts), the configuration or os.tmpdir(). System locations of Debian packages
 * (/usr/bin/…, /usr/share/fonts/…, /proc/…) are not machine paths and stay allowed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/shared/paths.js';

const ROOT = packageRoot();
const FOLDERS = ['src', 'collectors', 'tests', 'scripts', 'bin', '.ci'];
const CODE = /\.(ts|js|mjs|cjs)$|^run$/;
// A quote or backtick, then /work/, /tmp/, /home/, /root/, /mnt/ or /Users/.
const MACHINE_PATH = new RegExp(
  `['"\`](/(?:${['work', 'tmp', 'home', 'root', 'mnt', 'Users'].join('|')})/[^'"\`]*)`,
  'g',
);

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (CODE.test(e.name)) yield p;
  }
}

describe('machine paths', () => {
  it('no source, test or script file names a machine-absolute path', () => {
    const found: string[] = [];
    for (const folder of FOLDERS) {
      for (const file of files(join(ROOT, folder))) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            for (const m of line.matchAll(MACHINE_PATH)) found.push(`${relative(ROOT, file)}:${i + 1} ${m[1]}`);
          });
      }
    }
    expect(found).toEqual([]);
  });
});
