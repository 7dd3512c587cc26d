/** The README's generated tables match the config schema and the error catalogue. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference, renderErrorReference, replaceBlock } from '../src/config/docs.js';

describe('README', () => {
  it('has the current configuration and error-code tables (run `npm run docs`)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const regenerated = replaceBlock(replaceBlock(readme, 'config', renderConfigReference()), 'errors', renderErrorReference());
    expect(readme).toBe(regenerated);
  });
});
