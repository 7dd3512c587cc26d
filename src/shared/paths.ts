import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The package root (where package.json named "ixmeter" lives), from src/ under tests or dist/ when built. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'ixmeter')
      return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('ixmeter package root not found');
    dir = up;
  }
}
