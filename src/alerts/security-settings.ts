/** Detector settings from IXMETER_SECURITY_FILE (YAML/JSON), validated once; a bad file stops the start with its problems. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../config/load.js';
import { parseSecuritySettings, type SecuritySettings } from '../security/thresholds.js';
import { AppError, errorMessage } from '../shared/errors.js';

export function readSecuritySettings(config: Config): { input: unknown; settings: SecuritySettings } {
  let input: unknown = {};
  if (config.IXMETER_SECURITY_FILE) {
    try {
      input = parseYaml(readFileSync(config.IXMETER_SECURITY_FILE, 'utf8')) ?? {};
    } catch (e) {
      throw new AppError(
        'IXMETER_ERR_CONFIG_INVALID',
        `IXMETER_SECURITY_FILE=${config.IXMETER_SECURITY_FILE}: ${errorMessage(e)}`,
      );
    }
  }
  try {
    return { input, settings: parseSecuritySettings(input) };
  } catch (e) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `IXMETER_SECURITY_FILE=${config.IXMETER_SECURITY_FILE ?? '(defaults)'}: ${errorMessage(e)}`,
    );
  }
}
