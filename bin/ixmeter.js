#!/usr/bin/env node
// Entry point of the `ixmeter` CLI. The TypeScript is compiled to dist/ by `npm run build`
// (run automatically by `npm install`/`npm ci` through "prepare", and before `npm start`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('ixmeter: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
