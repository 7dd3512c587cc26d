import { loadConfig, redactedConfig } from '../../config/load.js';

export function runConfig(format: 'json' | 'env'): void {
  const cfg = redactedConfig(loadConfig());
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(cfg, null, 2)}\n`);
    return;
  }
  for (const [k, v] of Object.entries(cfg)) process.stdout.write(`${k}=${v === null ? '' : String(v)}\n`);
}
