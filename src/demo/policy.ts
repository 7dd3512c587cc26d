/**
 * The demo's subsidy policy: the shipped EXAMPLE policy (示例, not official) re-registered under a DEMO
 * id with open-ended effective dates, so the seeded month has meaningful subsidies whatever today's
 * date is (the shipped example ends 2025-12-31). Registered like any finance document, never edited.
 */
import { readFileSync } from 'node:fs';
import { examplePolicyPath } from '../subsidies/policy.loader.js';

export const DEMO_POLICY_ID = 'DEMO-EXAMPLE-ZW-TRAFFIC';

export function demoPolicyText(): string {
  const text = readFileSync(examplePolicyPath(), 'utf8');
  return `# DEMO data (ixmeter demo): the EXAMPLE policy below, open-ended so that demo months have subsidies.\n${text}`
    .replace(/^policy_id: .*$/m, `policy_id: ${DEMO_POLICY_ID}`)
    .replace(/^version: .*$/m, 'version: 1')
    .replace(/^name_zh: (.*)$/m, 'name_zh: 演示·$1')
    .replace(/^name_en: (.*)$/m, 'name_en: DEMO $1')
    .replace(/^effective_to: .*$/m, 'effective_to: null');
}
