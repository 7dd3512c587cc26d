// Regenerates the configuration and error-code tables in docs/ (and nothing else): `npm run docs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_DOCS, regenerateDoc } from '../src/config/docs.js';

for (const file of Object.keys(GENERATED_DOCS)) {
  const before = readFileSync(file, 'utf8');
  const after = regenerateDoc(file, before);
  if (after !== before) writeFileSync(file, after);
  console.log(`${file}: ${after === before ? 'up to date' : 'tables regenerated'}`);
}
