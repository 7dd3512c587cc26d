// Regenerates the README's configuration and error-code tables: `npm run docs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigReference, renderErrorReference, replaceBlock } from '../src/config/docs.js';

let readme = readFileSync('README.md', 'utf8');
readme = replaceBlock(readme, 'config', renderConfigReference());
readme = replaceBlock(readme, 'errors', renderErrorReference());
writeFileSync('README.md', readme);
console.log('README.md tables regenerated');
