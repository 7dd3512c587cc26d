/**
 * The generated reference tables in docs/ match the config schema and the error catalogue; the README is an
 * entry point that links to them and names every top-level folder of the repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_DOCS, regenerateDoc } from '../src/config/docs.js';

describe('generated docs', () => {
  for (const file of Object.keys(GENERATED_DOCS)) {
    it(`${file} has the current tables (run \`npm run docs\`)`, () => {
      const text = readFileSync(file, 'utf8');
      expect(text).toBe(regenerateDoc(file, text));
    });
  }

  it('README is an entry point: at most 200 lines, no generated table, links to the generated docs', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    expect(readme).not.toMatch(/<!-- [a-z]+:start -->/);
    for (const file of Object.keys(GENERATED_DOCS)) expect(readme).toContain(`(${file})`);
  });

  it('README names every top-level folder of the repository', () => {
    const readme = readFileSync('README.md', 'utf8');
    const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
    const folders = [...new Set(tracked.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))].sort();
    expect(folders.length).toBeGreaterThan(5);
    expect(folders.filter((d) => !readme.includes(`\`${d}/`))).toEqual([]);
  });
});
