import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../shared/logger.js';
import { startService, type Part } from '../../runtime/service.js';

export async function runService(parts: Part[]): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.IXMETER_LOG_LEVEL, { parts: parts.join(',') });
  const svc = await startService(config, log, {
    parts,
    printAdminToken: (token) => {
      process.stdout.write(
        `\n  First admin token (shown once — store it now; set IXMETER_ADMIN_TOKEN to use it from the CLI):\n\n    ${token}\n\n`,
      );
    },
  });
  if (svc.url)
    process.stdout.write(
      `ixmeter is serving on ${svc.url}  (health: ${svc.url}/api/v1/health, API docs: ${svc.url}/api/docs)\n`,
    );
}
