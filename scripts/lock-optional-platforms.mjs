// npm writes chdb's optional native packages for other platforms into package-lock.json only when the
// registry serves them; the registry here serves linux-x64 only, and `npm ci` then refuses the lock
// ("Missing: @chdb/lib-darwin-arm64 from lock file"). This adds platform-tagged entries that npm ci
// skips on this platform. Runs from "prepare" after every npm install; idempotent.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const chdb = lock.packages?.['node_modules/chdb'];
const platforms = {
  '@chdb/lib-darwin-arm64': { cpu: ['arm64'], os: ['darwin'] },
  '@chdb/lib-darwin-x64': { cpu: ['x64'], os: ['darwin'] },
  '@chdb/lib-linux-arm64-gnu': { cpu: ['arm64'], os: ['linux'], libc: ['glibc'] },
  '@chdb/lib-linux-x64-gnu': { cpu: ['x64'], os: ['linux'], libc: ['glibc'] },
};
let changed = false;
for (const [name, version] of Object.entries(chdb?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key] || !platforms[name]) continue;
  lock.packages[key] = { version, ...platforms[name], license: 'Apache-2.0', optional: true };
  changed = true;
}
if (changed) {
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
  );
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
  console.log('package-lock.json: added chdb platform entries for npm ci');
}
